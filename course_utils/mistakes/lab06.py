"""Lab 06 (anomaly detection with a negative-binomial VAE): what the classic mistakes compute.

Shapes: counts ``x``, NB means ``mu`` and inverse dispersions ``theta`` broadcast together (elementwise
log-probabilities); in the model pieces ``x`` is (n_cells, n_genes), ``model`` an
:class:`course_utils.anomaly.NBVAE`, losses are scalars and scores (n_cells,); calibration scores
are a 1-D array (n,); AUROC inputs are two 1-D arrays of healthy and anomalous scores.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from course_utils import anomaly, vae

Catalogue = dict[str, torch.Tensor | float]

# --- nb_log_prob ---------------------------------------------------------------------------------

NB_POISSON = ("you wrote the Poisson log-probability (x log mu - mu - log x!): theta is ignored. The negative "
              "binomial adds lgamma(x + theta) - lgamma(theta) and theta * log(theta / (theta + mu))")
NB_RATIOS_SWAPPED = ("the two ratios are swapped: theta multiplies log(theta / (theta + mu)) and x multiplies "
                     "log(mu / (theta + mu)) (SciPy's p = theta / (theta + mu) goes with n = theta)")
NB_NO_LOG_FACTORIAL = "the -lgamma(x + 1) term (minus log x!) is missing"
NB_LGAMMA_X = "log x! is lgamma(x + 1), not lgamma(x)"
NB_SIGN_LGAMMA_THETA = ("the sign of lgamma(theta) is wrong: the normalising terms are "
                        "lgamma(x + theta) - lgamma(theta) - lgamma(x + 1)")
NB_THETA_AS_DISPERSION = ("you used theta as the dispersion (variance mu + theta * mu^2); here theta is the "
                          "inverse dispersion (variance mu + mu^2 / theta), SciPy's n = theta")
NB_PARENTHESES = ("parentheses are missing: theta * (log(theta) - log(theta + mu)), not "
                  "theta * log(theta) - log(theta + mu) (and the same for the x term)")


def nb_log_prob(x: torch.Tensor, mu: torch.Tensor, theta: torch.Tensor, eps: float = 1e-8) -> Catalogue:
    """Elementwise log NB(x; mu, theta) as each mistake computes it (same broadcast shape as the answer)."""
    def log(t: torch.Tensor) -> torch.Tensor:
        return torch.log(t + eps)

    lg = torch.lgamma
    norm = lg(x + theta) - lg(theta) - lg(x + 1)
    ratio_theta, ratio_mu = log(theta) - log(theta + mu), log(mu) - log(theta + mu)
    inv = 1 / theta
    return {
        NB_POISSON: x * log(mu) - mu - lg(x + 1),
        NB_RATIOS_SWAPPED: norm + theta * ratio_mu + x * ratio_theta,
        NB_NO_LOG_FACTORIAL: lg(x + theta) - lg(theta) + theta * ratio_theta + x * ratio_mu,
        NB_LGAMMA_X: lg(x + theta) - lg(theta) - lg(x) + theta * ratio_theta + x * ratio_mu,
        NB_SIGN_LGAMMA_THETA: lg(x + theta) + lg(theta) - lg(x + 1) + theta * ratio_theta + x * ratio_mu,
        NB_THETA_AS_DISPERSION: (lg(x + inv) - lg(inv) - lg(x + 1) + inv * (log(inv) - log(inv + mu))
                                 + x * (log(mu) - log(inv + mu))),
        NB_PARENTHESES: norm + theta * log(theta) - log(theta + mu) + x * log(mu) - log(theta + mu),
    }


NB_NO_EPS = ("x = 0 with mu = 0 gave nan: 0 * log(0) is nan. Add eps inside each logarithm, "
             "log(mu + eps), log(theta + mu + eps), log(theta + eps), as the text says")

# --- nb_vae_loss -----------------------------------------------------------------------------------

LOSS_NO_BETA = "beta is ignored: loss = reconstruction + beta * KL"
LOSS_BETA_ON_REC = "beta multiplies the reconstruction; it weights the KL: loss = reconstruction + beta * KL"
LOSS_KL_SUBTRACTED = "the KL is subtracted; the negative ELBO adds it: loss = reconstruction + beta * KL"
LOSS_REC_SIGN = ("the reconstruction has the wrong sign: it is the negative log-likelihood, "
                 "-nb_log_prob(...).sum(1).mean(), a positive number of nats")
LOSS_REC_SUMMED_OVER_CELLS = "the reconstruction is summed over the cells; sum over genes, then average over cells"
LOSS_REC_MEAN_OVER_GENES = ("the reconstruction is averaged over genes; sum the log-probabilities over genes "
                            "(dim=1), then average over cells")
LOSS_DECODES_MEAN = ("you decoded the posterior mean z_mu; the training loss decodes a sample "
                     "z = vae.reparameterize(z_mu, z_logvar)")
LOSS_THETA_NOT_EXP = "you used model.log_theta as theta; theta = torch.exp(model.log_theta)"
LOSS_KL_SUMMED = ("the KL is summed over the cells (vae.kl_divergence's default reduction is 'sum'): pass "
                  "reduction='mean' so both terms are averages per cell")


def nb_vae_loss(model: anomaly.NBVAE, x: torch.Tensor, beta: float, seed: int) -> dict[str, Catalogue]:
    """``{"loss": ..., "reconstruction": ..., "kl": ...}``: each term as each mistake computes it.

    The noise of the sampled z is drawn after ``torch.manual_seed(seed)``, as an answer that calls
    ``model.encode`` then ``vae.reparameterize`` draws it when the test seeds the same way.
    """
    with torch.no_grad():
        z_mu, z_logvar = model.encode(x)
        torch.manual_seed(seed)
        z = vae.reparameterize(z_mu, z_logvar)
        library = x.sum(1)
        mean, mean_at_mu = model.decode(z, library), model.decode(z_mu, library)
        theta = torch.exp(model.log_theta)
        log_p = anomaly.nb_log_prob(x, mean, theta)
        rec = -log_p.sum(1).mean()
        kl_cells = vae.kl_divergence(z_mu, z_logvar, reduction="none")
        kl = kl_cells.mean()
        recs = {
            LOSS_REC_SIGN: -rec,
            LOSS_REC_SUMMED_OVER_CELLS: -log_p.sum(),
            LOSS_REC_MEAN_OVER_GENES: -log_p.mean(1).mean(),
            LOSS_DECODES_MEAN: -anomaly.nb_log_prob(x, mean_at_mu, theta).sum(1).mean(),
        }
        if (model.log_theta > 0).all():  # otherwise that mistake gives nan, named by no value
            recs[LOSS_THETA_NOT_EXP] = -anomaly.nb_log_prob(x, mean, model.log_theta).sum(1).mean()
        losses = {
            LOSS_NO_BETA: rec + kl,
            LOSS_BETA_ON_REC: beta * rec + kl,
            LOSS_KL_SUBTRACTED: rec - beta * kl,
            LOSS_KL_SUMMED: rec + beta * kl_cells.sum(),
        }
        losses.update({why: r + beta * kl for why, r in recs.items()})
    return {"loss": losses, "reconstruction": recs, "kl": {LOSS_KL_SUMMED: kl_cells.sum()}}


# --- deviance_score --------------------------------------------------------------------------------

DEV_NLL = ("you scored the negative log-likelihood; the deviance subtracts it from the perfect fit's: "
           "2 * sum over genes of [log NB(x; x, theta) - log NB(x; mu_hat, theta)]")
DEV_NLL_TWICE = DEV_NLL + " (here: twice the negative log-likelihood, the perfect-fit term left out)"
DEV_NO_TWO = "the factor 2 in front of the sum is missing"
DEV_SIGN = ("the difference is the wrong way round: log NB(x; x, theta) (the perfect fit) minus "
            "log NB(x; mu_hat, theta), so the deviance is >= 0")
DEV_MEAN_OVER_GENES = "you averaged over genes; the deviance sums over genes (dim=1)"
DEV_SAMPLED = ("two calls on the same cells gave different scores: decode the posterior mean z = z_mu "
               "(no sampling) so a cell's score does not change between calls")


def deviance_score(model: anomaly.NBVAE, x: torch.Tensor) -> Catalogue:
    """The scores (n_cells,) as each mistake computes them (posterior-mean reconstruction)."""
    with torch.no_grad():
        z_mu, _ = model.encode(x)
        mean = model.decode(z_mu, x.sum(1))
        theta = torch.exp(model.log_theta)
        fit, perfect = anomaly.nb_log_prob(x, mean, theta), anomaly.nb_log_prob(x, x, theta)
        return {
            DEV_NLL: -fit.sum(1),
            DEV_NLL_TWICE: -2 * fit.sum(1),
            DEV_NO_TWO: (perfect - fit).sum(1),
            DEV_SIGN: 2 * (fit - perfect).sum(1),
            DEV_MEAN_OVER_GENES: 2 * (perfect - fit).mean(1),
        }


# --- calibrate_threshold ---------------------------------------------------------------------------

THR_QUANTILE = ("you took np.quantile(scores, 1 - alpha): it interpolates between scores and leaves out the + 1; "
                "take the k-th smallest score itself, k = ceil((n + 1)(1 - alpha))")
THR_INDEX_K = "off by one: with 0-based indexing the k-th smallest score is sorted[k - 1], not sorted[k]"
THR_NO_PLUS_ONE = "k uses n where n + 1 goes: k = ceil((n + 1)(1 - alpha)), not ceil(n (1 - alpha))"
THR_ROUNDED_DOWN = "k was rounded down (int() or math.floor); round it up: k = math.ceil((n + 1)(1 - alpha))"
THR_ROUNDED = "k was rounded to the nearest integer; round it up: k = math.ceil((n + 1)(1 - alpha))"
THR_DESCENDING = "the scores are sorted in decreasing order: the threshold is the k-th smallest, sort ascending"
THR_UNSORTED = "the scores are not sorted: sort them (np.sort) before taking the k-th smallest"
THR_ALPHA_FOR_ONE_MINUS = "you used alpha where 1 - alpha goes: k = ceil((n + 1)(1 - alpha))"
THR_NO_VALUE_ERROR = ("check k > n yourself and raise ValueError: indexing past the end of the sorted scores "
                      "raised IndexError instead")


def calibrate_threshold(scores: np.ndarray | torch.Tensor, alpha: float) -> Catalogue:
    """The threshold as each mistake computes it (mistakes that would index past the end are left out)."""
    raw = np.asarray(scores, dtype=float).ravel()
    s, n = np.sort(raw), len(raw)
    exact = (n + 1) * (1 - alpha)
    k = math.ceil(exact)

    def kth(values: np.ndarray, k: int) -> float | None:
        return float(values[k - 1]) if 1 <= k <= n else None

    out = {
        THR_QUANTILE: float(np.quantile(s, 1 - alpha)),
        THR_INDEX_K: kth(s, k + 1),
        THR_NO_PLUS_ONE: kth(s, math.ceil(n * (1 - alpha))),
        THR_ROUNDED_DOWN: kth(s, math.floor(exact)),
        THR_ROUNDED: kth(s, round(exact)),
        THR_DESCENDING: kth(s[::-1], k),
        THR_UNSORTED: kth(raw, k),
        THR_ALPHA_FOR_ONE_MINUS: kth(s, math.ceil((n + 1) * alpha)),
    }
    return {why: v for why, v in out.items() if v is not None}


# --- auroc -----------------------------------------------------------------------------------------

AUC_TIES_ZERO = ("a tie counted 0 (> where a tied pair needs one half): tied scores share their average rank, "
                 "so a tie counts 1/2")
AUC_TIES_ONE = ("a tie counted 1 instead of 1/2 (>= where a tied pair needs one half, or ranks that were not "
                "averaged over ties): give each group of equal scores the mean of the ranks it spans")
AUC_ARGSORT_AS_RANKS = ("np.argsort gives the order that sorts the scores, not their ranks: set "
                        "ranks[order] = 1..n (or take the argsort of the argsort)")
AUC_HEALTHY_RANKS = ("you summed the ranks of the healthy scores; the statistic sums the ranks of the anomalous "
                     "ones (you got 1 - AUROC)")
AUC_ZERO_BASED = "the ranks start at 0; they start at 1 (the smallest score has rank 1)"
AUC_NO_SUBTRACT = "you did not subtract the smallest possible rank sum n_a (n_a + 1) / 2 before dividing"


def _ranks(values: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(values))
    ranks[np.argsort(values, kind="mergesort")] = np.arange(1, len(values) + 1)
    for v in np.unique(values):
        ranks[values == v] = ranks[values == v].mean()
    return ranks


def _add(out: Catalogue, why: str, value: float, note: str) -> None:
    """Catalogue ``value`` under ``why``, or under ``why + note`` when ``why`` already holds another value."""
    if why not in out:
        out[why] = value
    elif all(v != value for k, v in out.items() if k.startswith(why)):
        out[why + note] = value


def auroc(healthy: np.ndarray | torch.Tensor, anomalous: np.ndarray | torch.Tensor) -> Catalogue:
    """The AUROC as each mistake computes it (healthy scores concatenated first, as in the text).

    Mistakes that rank with a bare ``np.argsort`` depend on how it orders ties (NumPy's default sort
    is not stable): each tie order that gives another value is catalogued too, under the same
    explanation with a note.
    """
    h = np.asarray(healthy, dtype=float).ravel()
    a = np.asarray(anomalous, dtype=float).ravel()
    nh, na = len(h), len(a)
    both = np.concatenate([h, a])

    def from_ranks(r: np.ndarray) -> float:
        return float((r[nh:].sum() - na * (na + 1) / 2) / (na * nh))

    r = _ranks(both)
    out: Catalogue = {
        AUC_TIES_ZERO: float((a[:, None] > h[None, :]).mean()),
        AUC_TIES_ONE: float((a[:, None] >= h[None, :]).mean()),
        AUC_HEALTHY_RANKS: float((r[:nh].sum() - nh * (nh + 1) / 2) / (na * nh)),
        AUC_ZERO_BASED: from_ranks(r - 1),
        AUC_NO_SUBTRACT: float(r[nh:].sum() / (na * nh)),
    }
    for kind, note in ((None, " (here with ties in the order np.argsort left them)"),
                       ("stable", " (here with ties in their original order, as a stable sort leaves them)")):
        order = np.argsort(both, kind=kind)
        ordinal = np.empty(len(both))
        ordinal[order] = np.arange(1, len(both) + 1)
        _add(out, AUC_TIES_ONE, from_ranks(ordinal), note)
        _add(out, AUC_ARGSORT_AS_RANKS, from_ranks(order + 1.0), note)
    return out
