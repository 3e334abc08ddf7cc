"""The variational autoencoder, piece by piece: the references lab 01 grades against.

The math lives in plain functions (:func:`reparameterize`, :func:`kl_divergence`,
:func:`reconstruction_loss`, :func:`negative_elbo`); the modules (:class:`Encoder`,
:class:`Decoder`, :class:`VAE`) are thin wrappers that call them.

Notation (GLOSSARY.md): ``x`` data ``(batch, input_dim)``, ``z`` latent ``(batch, latent_dim)``; the
encoder returns the mean ``mu`` and the log-variance ``logvar = log sigma^2`` of
q(z|x) = N(mu, diag(sigma^2)). sigma^2 is always the encoder's variance; a Gaussian decoder's noise
variance is s^2 (``noise_var``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal, NamedTuple

import torch
from torch import nn
from torch.nn import functional as F

Reduction = Literal["none", "sum", "mean"]
Likelihood = Literal["bernoulli", "mse", "gaussian", "categorical"]


def check_shape(name: str, tensor: torch.Tensor, shape: Sequence[int | None]) -> None:
    """Raise a ``ValueError`` naming ``name`` unless ``tensor`` has ``shape`` (``None`` = any size)."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(tensor).__name__}")
    ok = tensor.ndim == len(shape) and all(s is None or s == t for s, t in zip(shape, tensor.shape, strict=False))
    if not ok:
        want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {want}, got {tuple(tensor.shape)}")


def _reduce(per_sample: torch.Tensor, reduction: Reduction) -> torch.Tensor:
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "mean":
        return per_sample.mean()
    raise ValueError(f"reduction must be 'none', 'sum' or 'mean', got {reduction!r}")


def mlp(sizes: Sequence[int], final_activation: bool = False) -> nn.Sequential:
    """Linear layers ``sizes[0] -> sizes[1] -> ...`` with ReLU between them.

    ``final_activation=True`` also puts a ReLU after the last layer (a hidden body feeding heads).
    A single size gives the identity (no hidden layers).
    """
    if len(sizes) < 1 or any(int(s) <= 0 for s in sizes):
        raise ValueError(f"mlp needs positive layer sizes, got {list(sizes)}")
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2 or final_activation:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def reparameterize(
    mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Draw z ~ N(mu, exp(logvar)) as z = mu + exp(logvar / 2) * eps, eps ~ N(0, I).

    The randomness sits in ``eps``, so gradients flow to ``mu`` and ``logvar``.

    Parameters
    ----------
    mu, logvar : (batch, latent_dim)
    generator : optional ``torch.Generator`` for reproducible noise

    Returns
    -------
    z : (batch, latent_dim)
    """
    if mu.shape != logvar.shape:
        raise ValueError(f"mu and logvar must have the same shape, got {tuple(mu.shape)} and {tuple(logvar.shape)}")
    noise_device = generator.device if generator is not None else mu.device
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=noise_device).to(mu.device)
    return mu + torch.exp(0.5 * logvar) * eps


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor, reduction: Reduction = "sum") -> torch.Tensor:
    """KL( N(mu, diag exp(logvar)) || N(0, I) ) = 0.5 * sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2).

    Parameters
    ----------
    mu, logvar : (batch, latent_dim)
    reduction : "none" -> (batch,) one KL per sample (summed over latent dims);
        "sum" -> () summed over the batch; "mean" -> () averaged over the batch.
    """
    if mu.shape != logvar.shape or mu.ndim != 2:
        raise ValueError(
            f"mu and logvar must both be (batch, latent_dim), got {tuple(mu.shape)} and {tuple(logvar.shape)}"
        )
    per_sample = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)
    return _reduce(per_sample, reduction)


def reconstruction_loss(
    output: torch.Tensor,
    x: torch.Tensor,
    likelihood: Likelihood,
    reduction: Reduction = "sum",
    noise_var: float = 1.0,
    ignore_index: int = -100,
) -> torch.Tensor:
    """Negative log-likelihood -log p(x|z) of the data under the decoder's output, per sample.

    Parameters
    ----------
    output : decoder output. ``bernoulli``: logits (batch, D); ``mse``/``gaussian``: means
        (batch, D); ``categorical``: logits (batch, seq_len, n_classes).
    x : targets. (batch, D) floats (0/1 for ``bernoulli``); ``categorical``: (batch, seq_len) class ids.
    likelihood :
        ``"bernoulli"`` sum_d BCE-with-logits (binary data such as fingerprints);
        ``"mse"`` sum_d (x - x_hat)^2 (continuous data; exactly the Gaussian NLL with decoder noise
        variance s^2 = 1/2, minus its constant: another s^2 is this loss with the KL weighted by 2 s^2);
        ``"gaussian"`` sum_d [(x - x_hat)^2 / (2 noise_var) + 0.5 log(2 pi noise_var)], noise_var = s^2;
        ``"categorical"`` sum_t cross-entropy, skipping targets equal to ``ignore_index`` (padding).
    reduction : "none" -> (batch,); "sum" or "mean" over the batch -> ().
    """
    if likelihood == "categorical":
        check_shape("output (logits)", output, (x.shape[0] if x.ndim else None, None, None))
        check_shape("x (class ids)", x, (output.shape[0], output.shape[1]))
        ce = F.cross_entropy(output.transpose(1, 2), x, ignore_index=ignore_index, reduction="none")
        return _reduce(ce.sum(dim=1), reduction)
    if output.shape != x.shape or x.ndim != 2:
        raise ValueError(
            f"output and x must both be (batch, features) for likelihood {likelihood!r}, "
            f"got {tuple(output.shape)} and {tuple(x.shape)}"
        )
    if likelihood == "bernoulli":
        per_sample = F.binary_cross_entropy_with_logits(output, x, reduction="none").sum(dim=1)
    elif likelihood == "mse":
        per_sample = (x - output).pow(2).sum(dim=1)
    elif likelihood == "gaussian":
        if noise_var <= 0:
            raise ValueError(f"noise_var must be > 0, got {noise_var}")
        per_sample = ((x - output).pow(2) / (2 * noise_var)).sum(dim=1) + 0.5 * x.shape[1] * math.log(
            2 * math.pi * noise_var
        )
    else:
        raise ValueError(
            f"likelihood must be 'bernoulli', 'mse', 'gaussian' or 'categorical', got {likelihood!r}"
        )
    return _reduce(per_sample, reduction)


def interpolate(z1: torch.Tensor, z2: torch.Tensor, n_steps: int) -> torch.Tensor:
    """Points on the straight line from z1 to z2: z_a = (1 - a) z1 + a z2 for a = 0, 1/(n-1), ..., 1.

    z1, z2 : (latent_dim,); returns (n_steps, latent_dim), first row z1 and last row z2.
    """
    if z1.shape != z2.shape or z1.ndim != 1:
        raise ValueError(
            f"z1 and z2 must be (latent_dim,) vectors of one shape, got {tuple(z1.shape)}, {tuple(z2.shape)}"
        )
    if n_steps < 2:
        raise ValueError(f"n_steps must be >= 2 (both end points), got {n_steps}")
    alpha = torch.linspace(0.0, 1.0, n_steps, dtype=z1.dtype, device=z1.device).unsqueeze(1)
    return (1 - alpha) * z1 + alpha * z2


class ELBOTerms(NamedTuple):
    """The negative ELBO and its two parts, each reduced the same way."""

    loss: torch.Tensor
    reconstruction: torch.Tensor
    kl: torch.Tensor


def negative_elbo(
    output: torch.Tensor,
    x: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    likelihood: Likelihood = "bernoulli",
    beta: float = 1.0,
    reduction: Reduction = "mean",
    **likelihood_kwargs: float,
) -> ELBOTerms:
    """-ELBO = E_q[-log p(x|z)] + beta * KL(q(z|x) || p(z)), one-sample estimate of the first term.

    ``output`` is the decoder's output for a z drawn by :func:`reparameterize`. With
    ``reduction="mean"`` the loss is per molecule (sum over features, mean over the batch).

    Returns
    -------
    ELBOTerms(loss, reconstruction, kl) : each () or (batch,) for ``reduction="none"``
    """
    if beta < 0:
        raise ValueError(f"beta (the KL weight) must be >= 0, got {beta}")
    rec = reconstruction_loss(output, x, likelihood, reduction=reduction, **likelihood_kwargs)
    kl = kl_divergence(mu, logvar, reduction=reduction)
    return ELBOTerms(rec + beta * kl, rec, kl)


class Encoder(nn.Module):
    """q(z|x): an MLP with two heads, x (batch, input_dim) -> mu, logvar (batch, latent_dim)."""

    def __init__(self, input_dim: int, hidden_dims: Sequence[int], latent_dim: int) -> None:
        super().__init__()
        self.input_dim, self.latent_dim = input_dim, latent_dim
        self.body = mlp([input_dim, *hidden_dims], final_activation=True)
        last = hidden_dims[-1] if hidden_dims else input_dim
        self.mu = nn.Linear(last, latent_dim)
        self.logvar = nn.Linear(last, latent_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_shape("encoder input x", x, (None, self.input_dim))
        h = self.body(x)
        return self.mu(h), self.logvar(h)


class Decoder(nn.Module):
    """p(x|z): an MLP z (batch, latent_dim) -> output parameters (batch, output_dim).

    The output is unconstrained: logits for Bernoulli data, means for continuous data.
    """

    def __init__(self, latent_dim: int, hidden_dims: Sequence[int], output_dim: int) -> None:
        super().__init__()
        self.latent_dim, self.output_dim = latent_dim, output_dim
        self.net = mlp([latent_dim, *hidden_dims, output_dim])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        check_shape("decoder input z", z, (None, self.latent_dim))
        return self.net(z)


class VAE(nn.Module):
    """Encoder + reparameterization + decoder. ``forward(x) -> (output, mu, logvar)``.

    ``hidden_dims`` is the encoder's; the decoder mirrors it.
    """

    def __init__(self, input_dim: int, hidden_dims: Sequence[int], latent_dim: int) -> None:
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = Encoder(input_dim, hidden_dims, latent_dim)
        self.decoder = Decoder(latent_dim, list(reversed(hidden_dims)), input_dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x)
        z = reparameterize(mu, logvar)
        return self.decoder(z), mu, logvar

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decode ``n`` draws from the prior N(0, I): returns decoder outputs (n, input_dim)."""
        device = next(self.parameters()).device
        z = torch.randn((n, self.latent_dim), generator=generator).to(device)
        return self.decoder(z)
