"""Lab 01 (VAE building blocks): what the classic mistakes compute.

Shapes: ``mu``, ``logvar``: (batch, latent_dim); ``output``, ``x``: (batch, features).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

Catalogue = dict[str, torch.Tensor]

SIGMA_IS_VARIANCE = ("you used the variance where the standard deviation goes: sigma = exp(logvar / 2), "
                     "not exp(logvar)")
SIGMA_IS_LOGVAR = "you used logvar itself as sigma; sigma = exp(logvar / 2)"
SIGMA_IS_HALF_LOGVAR = "you used logvar / 2 as sigma without the exponential; sigma = exp(logvar / 2)"
UNIFORM_NOISE = ("your noise is uniform (torch.rand_like) instead of standard normal (torch.randn_like), so z "
                 "is shifted by sigma / 2 and too narrow")
NO_MEAN = "z does not include mu: z = mu + sigma * eps"
SHARED_NOISE = ("every sample got the same eps: draw eps with the shape of mu (torch.randn_like(std)), "
                "not one vector for the whole batch")


def reparameterize_variance(logvar: torch.Tensor) -> Catalogue:
    """The variance of z over many draws, per mistake (``logvar``: (latent_dim,))."""
    return {
        SIGMA_IS_VARIANCE: torch.exp(logvar) ** 2,
        SIGMA_IS_LOGVAR: logvar ** 2,
        SIGMA_IS_HALF_LOGVAR: (logvar / 2) ** 2,
        UNIFORM_NOISE: torch.exp(logvar) / 12,
    }


def reparameterize_mean(mu: torch.Tensor, logvar: torch.Tensor) -> Catalogue:
    """The mean of z over many draws, per mistake (``mu``, ``logvar``: (latent_dim,))."""
    return {
        UNIFORM_NOISE: mu + 0.5 * torch.exp(0.5 * logvar),
        NO_MEAN: torch.zeros_like(mu),
    }


KL_NO_HALF = "the 1/2 in front of the sum is missing: your KL is twice the right value"
KL_MEAN_OVER_LATENT = "you averaged over the latent dimensions; the KL sums over them (.sum(dim=1))"
KL_LOGVAR_AS_LOGSIGMA = ("you treated logvar as log(sigma): the formula in logvar is "
                         "0.5 * (mu^2 + exp(logvar) - 1 - logvar)")
KL_SIGN_LOGVAR = "the sign of the logvar term is wrong: it is ... - 1 - logvar, not + logvar"
KL_NO_EXP = "exp is missing on the variance term: sigma^2 = exp(logvar), not logvar"
KL_NO_MU = "the mu^2 term is missing: a shifted q is further from the prior"
KL_SUM_OVER_BATCH = "you summed over the batch (dim=0) where the latent dimensions (dim=1) go"
KL_MEAN_OF_ALL = ("reduction='mean' averages over the batch only: the mean of the per-sample KLs, not of every "
                  "entry")


def _per_sample(per_entry: torch.Tensor, reduction: str) -> torch.Tensor:
    s = per_entry.sum(dim=1)
    return {"none": s, "sum": s.sum(), "mean": s.mean()}[reduction]


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor, reduction: str = "sum") -> Catalogue:
    """KL(q || N(0, I)) as each mistake computes it, with the given reduction."""
    right = mu.pow(2) + logvar.exp() - 1 - logvar
    out = {
        KL_NO_HALF: _per_sample(right, reduction),
        KL_MEAN_OVER_LATENT: _per_sample(0.5 * right / mu.shape[1], reduction),
        KL_LOGVAR_AS_LOGSIGMA: _per_sample(0.5 * (mu.pow(2) + (2 * logvar).exp() - 1 - 2 * logvar), reduction),
        KL_SIGN_LOGVAR: _per_sample(0.5 * (mu.pow(2) + logvar.exp() - 1 + logvar), reduction),
        KL_NO_EXP: _per_sample(0.5 * (mu.pow(2) + logvar - 1 - logvar), reduction),
        KL_NO_MU: _per_sample(0.5 * (logvar.exp() - 1 - logvar), reduction),
    }
    if reduction == "none":
        out[KL_SUM_OVER_BATCH] = (0.5 * right).sum(dim=0)
    if reduction == "mean":
        out[KL_MEAN_OF_ALL] = (0.5 * right).mean()
    return out


ELBO_KL_SUMMED = ("the KL is summed over the batch while the reconstruction is averaged: use "
                  "kl_divergence(..., reduction='mean') so both are per-sample averages")
ELBO_REC_MEAN_OVER_FEATURES = ("the reconstruction is averaged over features; sum it over features "
                               "(dim=1), then average over the batch")
ELBO_REC_SUMMED_OVER_BATCH = "the reconstruction is summed over the batch; average it over samples"
ELBO_NO_BETA = "beta is ignored: loss = reconstruction + beta * KL"
ELBO_BETA_ON_REC = "beta multiplies the reconstruction; it weights the KL: loss = reconstruction + beta * KL"
ELBO_SIGN = "the KL is subtracted; the negative ELBO adds it: loss = reconstruction + beta * KL"
ELBO_MSE_MEAN = ("F.mse_loss averages over features by default; sum the squared errors over features, then "
                 "average over the batch")


def _rec(output: torch.Tensor, x: torch.Tensor, likelihood: str) -> torch.Tensor:
    if likelihood == "bernoulli":
        return F.binary_cross_entropy_with_logits(output, x, reduction="none")
    return (output - x).pow(2)


def _kl_entries(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar)


def elbo_reconstruction(output: torch.Tensor, x: torch.Tensor, likelihood: str = "bernoulli") -> Catalogue:
    """The reconstruction term as each mistake computes it."""
    per = _rec(output, x, likelihood)
    out = {ELBO_REC_MEAN_OVER_FEATURES: per.mean(dim=1).mean(), ELBO_REC_SUMMED_OVER_BATCH: per.sum()}
    if likelihood == "mse":
        out[ELBO_MSE_MEAN] = per.mean()
    return out


def elbo_loss(output: torch.Tensor, x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor,
              likelihood: str = "bernoulli", beta: float = 1.0) -> Catalogue:
    """The total loss as each mistake computes it."""
    rec = _rec(output, x, likelihood).sum(dim=1).mean()
    kl = _kl_entries(mu, logvar).sum(dim=1)
    return {
        ELBO_KL_SUMMED: rec + beta * kl.sum(),
        ELBO_NO_BETA: rec + kl.mean(),
        ELBO_BETA_ON_REC: beta * rec + kl.mean(),
        ELBO_SIGN: rec - beta * kl.mean(),
    }


def elbo_kl(mu: torch.Tensor, logvar: torch.Tensor) -> Catalogue:
    """The KL term of the ELBO as each mistake computes it."""
    return {ELBO_KL_SUMMED: _kl_entries(mu, logvar).sum()}


HEAD_ACTIVATION = ("there is an activation after a head: mu and logvar are plain linear outputs and can be "
                   "negative")
DECODER_SIGMOID = ("the decoder ends with an activation (sigmoid?): it must return logits, the loss applies "
                   "the sigmoid itself")


def linear_head(x: torch.Tensor, weight: float, bias: float, out_dim: int) -> Catalogue:
    """A head with every weight and bias set to the same value, with an activation after it by mistake."""
    value = (x.sum(dim=1, keepdim=True) * weight + bias).expand(-1, out_dim)
    return {HEAD_ACTIVATION: torch.relu(value), HEAD_ACTIVATION + " (here an exp)": torch.exp(value),
            HEAD_ACTIVATION + " (here a softplus)": F.softplus(value)}


def linear_decoder(z: torch.Tensor, weight: float, bias: float, out_dim: int) -> Catalogue:
    """A one-layer decoder with every weight and bias set to the same value, with a final activation."""
    value = (z.sum(dim=1, keepdim=True) * weight + bias).expand(-1, out_dim)
    return {DECODER_SIGMOID: torch.sigmoid(value), DECODER_SIGMOID + " (here a ReLU)": torch.relu(value)}
