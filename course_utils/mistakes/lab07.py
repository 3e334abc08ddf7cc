"""Lab 07 (posterior collapse, solved exactly): what the classic mistakes compute.

Shapes: ``eigenvalues`` (d,); ``x`` (n, d); ``mu`` (n, k); ``logvar`` (k,) (shared by all samples);
``weight`` W (d, k) as stored by ``nn.Linear(k, d)``; ``bias`` (d,); ``severity`` (n,); ``center``,
``direction`` (k,); ``scales`` (m,). Each function takes the inputs of the graded function it shadows
and returns ``{explanation: value}`` (for :func:`linear_vae_optimum`, one such dict per returned key).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

Catalogue = dict[str, object]

# --------------------------------------------------------------------------- linear_vae_optimum
OPT_NO_BETA = ("beta is ignored: the threshold and the lengths use beta * sigma2 (a beta-VAE with noise sigma2 is "
               "a VAE with noise beta * sigma2)")
OPT_BETA_DIVIDES = "you divided sigma2 by beta; beta multiplies the noise: use beta * sigma2"
OPT_NO_CLAMP = ("||w_i||^2 is negative for a collapsed latent: a squared length cannot be negative, use "
                "max(0, lambda_i - beta * sigma2) (np.maximum)")
OPT_W_NOT_SQUARED = "you returned the length ||w_i||, not its square: w_sq = max(0, lambda_i - beta * sigma2)"
OPT_KL_NOT_ZEROED = ("the KL of a collapsed latent is negative: 0.5 ln(lambda_i / (beta sigma2)) holds for active "
                     "latents only, a collapsed latent costs 0 nats (np.where(active, ..., 0))")
OPT_KL_NO_HALF = "the 1/2 in front of the log is missing: KL_i = 0.5 ln(lambda_i / (beta sigma2))"
OPT_KL_INVERTED = "the ratio in the log is upside down: KL_i = 0.5 ln(lambda_i / (beta sigma2)), which is > 0"
OPT_ACTIVE_GE = ("an eigenvalue exactly at the noise counts as active: active iff lambda_i > beta * sigma2 "
                 "(strictly; at equality the latent carries 0 nats)")
OPT_SORTED = ("you sorted the eigenvalues: return one entry per eigenvalue in the order given (do not sort or "
              "reverse them)")


def linear_vae_optimum(eigenvalues: np.ndarray, sigma2: float, beta: float = 1.0) -> dict[str, Catalogue]:
    """``{"active": ..., "w_sq": ..., "kl": ...}``: per returned key, what each mistake puts there."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    out: dict[str, Catalogue] = {"active": {}, "w_sq": {}, "kl": {}}

    def add(why: str, noise: float, active_fn=np.greater, clamp: bool = True, zero_kl: bool = True,
            w_fn=lambda w: w, kl_fn=lambda r: 0.5 * np.log(r), values: np.ndarray = lam) -> None:
        active = active_fn(values, noise)
        w = values - noise
        with np.errstate(invalid="ignore", divide="ignore"):
            out["active"][why] = active.astype(np.float64)
            out["w_sq"][why] = w_fn(np.maximum(0.0, w) if clamp else w)
            kl = kl_fn(values / noise)
            out["kl"][why] = np.where(active, kl, 0.0) if zero_kl else kl

    add(OPT_NO_BETA, sigma2)
    add(OPT_BETA_DIVIDES, sigma2 / beta)
    add(OPT_NO_CLAMP, beta * sigma2, clamp=False)
    add(OPT_W_NOT_SQUARED, beta * sigma2, w_fn=np.sqrt)
    add(OPT_KL_NOT_ZEROED, beta * sigma2, zero_kl=False)
    add(OPT_KL_NO_HALF, beta * sigma2, kl_fn=np.log)
    add(OPT_KL_INVERTED, beta * sigma2, kl_fn=lambda r: 0.5 * np.log(1 / r))
    add(OPT_ACTIVE_GE, beta * sigma2, active_fn=np.greater_equal)
    add(OPT_SORTED, beta * sigma2, values=np.sort(lam)[::-1].copy())
    add(OPT_SORTED + " (here in ascending order)", beta * sigma2, values=np.sort(lam))
    return out


# --------------------------------------------------------------------------- expected_reconstruction
REC_NO_SPREAD = ("the encoder's variance term is missing: E_q||x - Wz - b||^2 = ||x - W mu - b||^2 + "
                 "sum_i exp(logvar_i) ||w_i||^2")
REC_SPREAD_STD = ("you weighted ||w_i||^2 by the standard deviation exp(logvar / 2); the spread term uses the "
                  "variance s_i^2 = exp(logvar_i)")
REC_SPREAD_LOGVAR = "exp is missing on the variance: s_i^2 = exp(logvar_i), not logvar_i"
REC_ROW_NORMS = ("you summed the squares of W over its columns (a row norm per data dimension); ||w_i||^2 is "
                 "the squared norm of column i: (weight ** 2).sum(0)")
REC_NOT_TRANSPOSED = ("the mean is decoded as mu @ weight; nn.Linear stores W as (d, k), so the decoded mean is "
                      "mu @ weight.T + bias")
REC_NO_SIGMA = "the division by 2 sigma2 is missing: return E_q||x - Wz - b||^2 / (2 sigma2)"
REC_NO_HALF = "you divided by sigma2; the Gaussian log-likelihood divides by 2 sigma2"
REC_NORM_NOT_SQUARED = "the residual's norm is not squared: use ((x - mu @ weight.T - bias) ** 2).sum(1)"
REC_MEAN_FEATURES = "you averaged the squared residual over the d features; sum it over them (.sum(1))"
REC_BATCH_MEAN = "you averaged over the samples: return one value per sample, shape (n,)"


def expected_reconstruction(x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, weight: torch.Tensor,
                            bias: torch.Tensor, sigma2: float) -> Catalogue:
    """E_q||x - Wz - b||^2 / (2 sigma2) per sample, (n,), as each mistake computes it."""
    diff = x - mu @ weight.T - bias
    residual = (diff ** 2).sum(1)
    col = (weight ** 2).sum(0)
    spread = (logvar.exp() * col).sum(-1)
    out: Catalogue = {
        REC_NO_SPREAD: residual / (2 * sigma2),
        REC_SPREAD_STD: (residual + (torch.exp(0.5 * logvar) * col).sum(-1)) / (2 * sigma2),
        REC_SPREAD_LOGVAR: (residual + (logvar * col).sum(-1)) / (2 * sigma2),
        REC_NO_SIGMA: residual + spread,
        REC_NO_HALF: (residual + spread) / sigma2,
        REC_NORM_NOT_SQUARED: (diff.norm(dim=1) + spread) / (2 * sigma2),
        REC_MEAN_FEATURES: ((diff ** 2).mean(1) + spread) / (2 * sigma2),
        REC_BATCH_MEAN: ((residual + spread) / (2 * sigma2)).mean(),
    }
    if weight.shape[0] == weight.shape[1]:  # square W: these run without a shape error
        out[REC_ROW_NORMS] = (residual + (logvar.exp() * (weight ** 2).sum(1)).sum(-1)) / (2 * sigma2)
        out[REC_NOT_TRANSPOSED] = (((x - mu @ weight - bias) ** 2).sum(1) + spread) / (2 * sigma2)
    return out


# --------------------------------------------------------------------------- linear_vae_loss
LOSS_KL_SUMMED_BATCH = "the KL is summed over the batch; average it over the samples: .mean(0), one value per latent"
LOSS_KL_NO_HALF = "the 1/2 in front of the KL is missing: KL_i = 0.5 (mu_i^2 + s_i^2 - 1 - ln s_i^2)"
LOSS_KL_SIGN_LOGVAR = "the sign of the logvar term is wrong: it is ... - 1 - logvar, not + logvar"
LOSS_KL_NO_MU = ("the mu^2 term of the KL is missing: the encoder's mean varies with x and is pulled towards 0 by "
                 "the prior")
LOSS_KL_NO_EXP = "exp is missing on the variance term of the KL: s_i^2 = exp(logvar_i)"
LOSS_NO_BETA = "beta is ignored: loss = reconstruction + beta * kl.sum()"
LOSS_BETA_ON_REC = "beta multiplies the reconstruction; it weights the KL: loss = reconstruction + beta * kl.sum()"
LOSS_REC_SUMMED = "the reconstruction is summed over the batch; return its mean over the samples"
LOSS_SAMPLED = ("two calls on the same model and x gave different values: take the expectation exactly with your "
                "expected_reconstruction, do not sample z")
LOSS_DETACHED = ("the loss carries no gradient to the model's parameters: no torch.no_grad(), .detach(), .item() "
                 "or NumPy inside linear_vae_loss (the optimiser differentiates it)")


def linear_vae_loss(mu: torch.Tensor, logvar: torch.Tensor, rec_per_sample: torch.Tensor,
                    beta: float = 1.0) -> dict[str, Catalogue]:
    """``{"loss": ..., "reconstruction": ..., "kl": ...}``: per returned value, what each mistake gives.

    ``mu`` (n, k) the encoder's means, ``logvar`` (k,), ``rec_per_sample`` (n,) the right
    expected reconstruction of each sample.
    """
    def kl_of(entries: torch.Tensor) -> torch.Tensor:
        return entries.mean(0)

    right = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar)
    kls = {
        LOSS_KL_SUMMED_BATCH: right.sum(0),
        LOSS_KL_NO_HALF: kl_of(2 * right),
        LOSS_KL_SIGN_LOGVAR: kl_of(0.5 * (mu.pow(2) + logvar.exp() - 1 + logvar)),
        LOSS_KL_NO_MU: kl_of(0.5 * (logvar.exp() - 1 - logvar).expand_as(mu)),
        LOSS_KL_NO_EXP: kl_of(0.5 * (mu.pow(2) + logvar - 1 - logvar)),
    }
    rec, kl = rec_per_sample.mean(), right.mean(0)
    loss: Catalogue = {why: rec + beta * value.sum() for why, value in kls.items()}
    loss.update({LOSS_NO_BETA: rec + kl.sum(), LOSS_BETA_ON_REC: beta * rec + kl.sum(),
                 LOSS_REC_SUMMED: rec_per_sample.sum() + beta * kl.sum()})
    return {"loss": loss, "reconstruction": {LOSS_REC_SUMMED: rec_per_sample.sum()}, "kl": dict(kls)}


# --------------------------------------------------------------------------- severity_direction
DIR_NOT_NORMALISED = "the direction is not scaled to length 1: divide the difference of the means by its norm"
DIR_REVERSED = ("the direction points the wrong way: the mean code of the MOST severe samples minus that of the "
                "least severe")
DIR_QUANTILE_IGNORED = "the quantile argument is ignored (you used 0.25): use quantile for both tails"
DIR_SAME_QUANTILE = ("both tails use the same threshold: the severe tail is severity >= the (1 - quantile) "
                     "quantile, the mild one severity <= the quantile quantile")
DIR_QUANTILE_AS_VALUE = ("you compared severity with the quantile level itself (e.g. severity >= 0.75); compare it "
                         "with the severity's quantile, torch.quantile(severity, 1 - quantile)")
DIR_STRICT = ("a sample exactly at a threshold is left out: the tails are severity >= the upper quantile and "
              "severity <= the lower one (>= and <=, not > and <)")
DIR_WRONG_AXIS = ("you averaged each group over the latent dimensions (dim 1); average the codes over the samples "
                  "(dim 0), one mean code of shape (k,) per group")
DIR_REGRESSION = ("you regressed severity on the codes (least squares); the task asks for the difference of the "
                  "mean codes of the two tails")


def _tails(mu: torch.Tensor, hi_mask: torch.Tensor, lo_mask: torch.Tensor) -> torch.Tensor:
    return mu[hi_mask].mean(0) - mu[lo_mask].mean(0)


def _unit(v: torch.Tensor) -> torch.Tensor:
    return v / v.norm()


def severity_direction(mu: torch.Tensor, severity: torch.Tensor, quantile: float = 0.25) -> Catalogue:
    """The direction (k,) each mistake returns."""
    lo, hi = torch.quantile(severity, quantile), torch.quantile(severity, 1 - quantile)
    diff = _tails(mu, severity >= hi, severity <= lo)
    lo25, hi25 = torch.quantile(severity, 0.25), torch.quantile(severity, 0.75)
    design = torch.cat([mu, torch.ones(len(mu), 1, dtype=mu.dtype)], dim=1)
    coef = torch.linalg.lstsq(design, severity.to(mu.dtype)[:, None]).solution[:-1, 0]
    out: Catalogue = {
        DIR_NOT_NORMALISED: diff,
        DIR_REVERSED: -_unit(diff),
        DIR_QUANTILE_IGNORED: _unit(_tails(mu, severity >= hi25, severity <= lo25)),
        DIR_SAME_QUANTILE: _unit(_tails(mu, severity >= lo, severity <= lo)),
        DIR_SAME_QUANTILE + " (here the upper one for both)": _unit(_tails(mu, severity >= hi, severity <= hi)),
        DIR_REGRESSION: _unit(coef),
    }
    value_hi, value_lo = severity >= 1 - quantile, severity <= quantile
    if value_hi.any() and value_lo.any():
        out[DIR_QUANTILE_AS_VALUE] = _unit(_tails(mu, value_hi, value_lo))
    if int((severity >= hi).sum()) == int((severity <= lo).sum()) == mu.shape[1]:  # otherwise a shape error
        out[DIR_WRONG_AXIS] = _unit(mu[severity >= hi].mean(1) - mu[severity <= lo].mean(1))
    strict_hi, strict_lo = severity > hi, severity < lo
    if strict_hi.any() and strict_lo.any():
        out[DIR_STRICT] = _unit(_tails(mu, strict_hi, strict_lo))
    return out


# --------------------------------------------------------------------------- traverse
TRAV_SWAPPED = "center and direction are swapped: the points are center + t * direction"
TRAV_NO_CENTER = "the center is missing: the points are center + t * direction, not t * direction"
TRAV_NOT_DECODED = "you returned the points on the line; return decode applied to them (one decoded row per t)"
TRAV_NORMALISED = ("you rescaled the direction to length 1; use direction as given (the caller scales t), "
                   "center + t * direction")
TRAV_GRAD = ("the decoded film carries gradients: decode under torch.no_grad() (a traversal is for looking at, "
             "not for training)")


def traverse(decode: Callable[[torch.Tensor], torch.Tensor], center: torch.Tensor, direction: torch.Tensor,
             scales: torch.Tensor) -> Catalogue:
    """What each mistake returns, (m, ...)."""
    def line(c: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        return c[None, :] + scales[:, None] * d[None, :]

    with torch.no_grad():
        return {
            TRAV_SWAPPED: decode(line(direction, center)),
            TRAV_NO_CENTER: decode(line(torch.zeros_like(center), direction)),
            TRAV_NOT_DECODED: line(center, direction),
            TRAV_NORMALISED: decode(line(center, direction / direction.norm())),
        }
