"""Anomaly detection with a negative-binomial VAE on count data (lab 06).

Counts such as gene expression are over-dispersed: their variance exceeds the mean. The negative
binomial (NB) with mean ``mu`` and inverse dispersion ``theta`` has variance mu + mu^2 / theta,
and its log-pmf, written with ``lgamma`` so it is stable for large counts, is

    log NB(x; mu, theta) = lgamma(x + theta) - lgamma(theta) - lgamma(x + 1)
                           + theta * log(theta / (theta + mu)) + x * log(mu / (theta + mu)).

A VAE trained on healthy profiles scores a new profile by how badly it explains it (its negative
ELBO); a threshold calibrated on held-out healthy scores fixes the false-positive rate.

Shapes: counts x (n_cells, n_genes); mu like x; theta (n_genes,) or like x; scores (n,).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from course_utils.vae import check_shape, kl_divergence, mlp, reparameterize

EPS = 1e-8


def nb_log_prob(x: torch.Tensor, mu: torch.Tensor, theta: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    """Elementwise NB log-pmf of counts ``x`` given mean ``mu`` > 0 and inverse dispersion ``theta`` > 0.

    Same shape as ``x`` (``mu`` and ``theta`` broadcast). Equals ``scipy.stats.nbinom.logpmf(x, n=theta,
    p=theta / (theta + mu))``; computed in log space (``log(theta + mu)`` once) so large counts and
    small means stay finite.
    """
    if (x < 0).any():
        raise ValueError("counts must be non-negative")
    log_theta_mu = torch.log(theta + mu + eps)
    return (torch.lgamma(x + theta) - torch.lgamma(theta) - torch.lgamma(x + 1)
            + theta * (torch.log(theta + eps) - log_theta_mu) + x * (torch.log(mu + eps) - log_theta_mu))


@dataclass
class CountData:
    """Simulated counts (n, n_genes) float32, their library sizes (n,), and which genes were shifted."""

    counts: torch.Tensor
    library: torch.Tensor
    shifted_genes: np.ndarray


class CountSimulator:
    """Healthy and anomalous count profiles with known structure, seeded (NumPy generators only).

    Healthy cell: programme activities h ~ N(0, I_k); gene proportions
    rho = softmax(log(base) + A h), with base gene means ~ Gamma(gamma_shape, 1) (a few highly and
    many lowly expressed genes) and loadings A ~ N(0, loading^2); library size
    l ~ LogNormal(library_log_mean, library_log_sd); counts ~ NB(mean l * rho, inverse dispersion theta).
    Anomalous cell: the same, with the means of a fixed random subset of ``n_shifted`` genes
    multiplied or divided by ``fold`` (direction fixed per gene).
    """

    def __init__(self, n_genes: int = 200, n_programs: int = 4, theta: float = 5.0, gamma_shape: float = 0.6,
                 loading: float = 0.6, library_log_mean: float = math.log(2000.0), library_log_sd: float = 0.3,
                 n_shifted: int = 30, fold: float = 3.0, seed: int = 0) -> None:
        if not 0 <= n_shifted <= n_genes:
            raise ValueError(f"n_shifted must be between 0 and n_genes = {n_genes}, got {n_shifted}")
        rng = np.random.default_rng(seed)
        self.n_genes, self.theta = n_genes, theta
        self.library_log_mean, self.library_log_sd = library_log_mean, library_log_sd
        self.log_base = np.log(rng.gamma(gamma_shape, 1.0, n_genes) + 1e-3)
        self.loadings = loading * rng.normal(size=(n_genes, n_programs))
        self.shifted = np.sort(rng.permutation(n_genes)[:n_shifted])
        self.log_shift = np.zeros(n_genes)
        self.log_shift[self.shifted] = rng.choice([-1.0, 1.0], n_shifted) * math.log(fold)

    def means(self, n: int, anomalous: bool, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """NB means (n, n_genes) and library sizes (n,) of n new cells."""
        h = rng.normal(size=(n, self.loadings.shape[1]))
        logits = self.log_base + h @ self.loadings.T + (self.log_shift if anomalous else 0.0)
        rho = np.exp(logits - logits.max(1, keepdims=True))
        rho /= rho.sum(1, keepdims=True)
        library = np.exp(self.library_log_mean + self.library_log_sd * rng.normal(size=n))
        return library[:, None] * rho, library

    def _sample(self, n: int, anomalous: bool, seed: int) -> CountData:
        rng = np.random.default_rng([seed, int(anomalous)])
        mu, library = self.means(n, anomalous, rng)
        counts = rng.negative_binomial(self.theta, self.theta / (self.theta + mu))
        return CountData(torch.tensor(counts, dtype=torch.float32), torch.tensor(library, dtype=torch.float32),
                         self.shifted if anomalous else np.array([], dtype=int))

    def healthy(self, n: int, seed: int) -> CountData:
        """``n`` healthy cells; different seeds give independent samples."""
        return self._sample(n, False, seed)

    def anomalous(self, n: int, seed: int) -> CountData:
        """``n`` anomalous cells (the shifted genes of this simulator)."""
        return self._sample(n, True, seed)


class NBVAE(nn.Module):
    """VAE for counts: encoder reads log1p(x), decoder gives gene proportions; mu = library * softmax.

    ``forward(x) -> (mu, theta, z_mu, z_logvar)`` with mu (n, n_genes), theta (n_genes,) = exp(log_theta)
    a learned per-gene inverse dispersion.
    """

    def __init__(self, n_genes: int, hidden: int = 128, latent_dim: int = 8) -> None:
        super().__init__()
        self.n_genes, self.latent_dim = n_genes, latent_dim
        self.encoder = mlp([n_genes, hidden], final_activation=True)
        self.to_mu = nn.Linear(hidden, latent_dim)
        self.to_logvar = nn.Linear(hidden, latent_dim)
        self.decoder = nn.Sequential(mlp([latent_dim, hidden], final_activation=True), nn.Linear(hidden, n_genes))
        self.log_theta = nn.Parameter(torch.zeros(n_genes))

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_shape("counts", x, (None, self.n_genes))
        h = self.encoder(torch.log1p(x))
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z: torch.Tensor, library: torch.Tensor) -> torch.Tensor:
        return library.unsqueeze(1) * torch.softmax(self.decoder(z), dim=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        z_mu, z_logvar = self.encode(x)
        mu = self.decode(reparameterize(z_mu, z_logvar), x.sum(1))
        return mu, torch.exp(self.log_theta), z_mu, z_logvar


def nb_elbo_loss(model: NBVAE, batch: torch.Tensor | tuple, beta: float):
    """Negative ELBO per cell (batch mean) for :func:`course_utils.training.train`."""
    from course_utils.vae import ELBOTerms

    x = batch[0] if isinstance(batch, (list, tuple)) else batch
    mu, theta, z_mu, z_logvar = model(x)
    rec = -nb_log_prob(x, mu, theta).sum(1).mean()
    kl = kl_divergence(z_mu, z_logvar, reduction="mean")
    return ELBOTerms(rec + beta * kl, rec, kl)


def nb_deviance(x: torch.Tensor, mu: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """NB deviance per row (n,): 2 * sum_genes [log NB(x; x, theta) - log NB(x; mu, theta)].

    How much worse ``mu`` explains x than a perfect fit (mu = x) does: 0 for a perfect fit, >= 0
    always. Unlike the raw negative log-likelihood it does not carry each count's own entropy
    (a count of 300 is less probable than a count of 3 even when predicted exactly), so healthy
    cells score alike and a shifted gene stands out.
    """
    return 2.0 * (nb_log_prob(x, x, theta) - nb_log_prob(x, mu, theta)).sum(-1)


@torch.no_grad()
def nb_score(model: NBVAE, x: torch.Tensor) -> torch.Tensor:
    """Anomaly score (n,): NB deviance of x against its reconstruction from the posterior mean."""
    was_training = model.training
    model.eval()
    z_mu, _ = model.encode(x)
    score = nb_deviance(x, model.decode(z_mu, x.sum(1)), torch.exp(model.log_theta))
    model.train(was_training)
    return score


def conformal_threshold(calibration_scores: torch.Tensor | np.ndarray, alpha: float) -> float:
    """The ceil((n + 1)(1 - alpha))-th smallest of n healthy calibration scores.

    Flagging scores strictly above it flags a new healthy sample, exchangeable with the calibration
    ones, with probability at most alpha, where the probability is over the calibration set and the
    new sample together (the marginal split-conformal guarantee). One calibration set's false-positive
    rate is random around alpha: Beta(n + 1 - k, k) for continuous scores, k = ceil((n + 1)(1 - alpha)).
    Needs n >= 1/alpha - 1.
    """
    s = np.sort(np.asarray(calibration_scores, dtype=np.float64).ravel())
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    k = math.ceil((len(s) + 1) * (1 - alpha))
    if k > len(s):
        raise ValueError(f"{len(s)} calibration scores are too few for alpha = {alpha}: need at least "
                         f"{math.ceil(1 / alpha) - 1}")
    return float(s[k - 1])


def auroc(healthy_scores: torch.Tensor | np.ndarray, anomalous_scores: torch.Tensor | np.ndarray) -> float:
    """Area under the ROC curve: P(anomalous score > healthy score), ties counted 1/2 (Mann-Whitney)."""
    h = np.asarray(healthy_scores, dtype=np.float64).ravel()
    a = np.asarray(anomalous_scores, dtype=np.float64).ravel()
    if not len(h) or not len(a):
        raise ValueError("need at least one healthy and one anomalous score")
    allv = np.concatenate([h, a])
    order = np.argsort(allv, kind="mergesort")
    ranks = np.empty(len(allv))
    ranks[order] = np.arange(1, len(allv) + 1)
    for v in np.unique(allv):  # average ranks for ties
        tied = allv == v
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    u = ranks[len(h):].sum() - len(a) * (len(a) + 1) / 2
    return float(u / (len(a) * len(h)))


def normalise_counts(x: torch.Tensor, target: float = 2000.0) -> torch.Tensor:
    """Counts scaled so every row sums to ``target`` (removes library size): (n, n_genes) float."""
    total = x.sum(1, keepdim=True)
    if (total <= 0).any():
        raise ValueError("a cell with zero total count cannot be normalised")
    return x / total * target


@torch.no_grad()
def mse_score(model: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Baseline anomaly score (n,): squared error of a Gaussian (MSE) :class:`~course_utils.vae.VAE`
    trained on :func:`normalise_counts`, decoding the posterior mean."""
    was_training = model.training
    model.eval()
    xn = normalise_counts(x)
    score = ((model.decoder(model.encoder(xn)[0]) - xn) ** 2).sum(1)
    model.train(was_training)
    return score


def evaluate_detection(alpha: float = 0.05, epochs: int = 30, n_train: int = 4000, n_calibration: int = 1000,
                       n_fresh: int = 2000, n_anomalous: int = 1000, latent_dim: int = 4,
                       seed: int = 0) -> dict[str, float]:
    """The lab's experiment end to end (bench, tests): NB-VAE vs MSE-VAE on one simulator.

    Trains both on healthy cells, calibrates the NB threshold at ``alpha`` on held-out healthy
    scores, and returns ``fpr`` (fresh healthy cells flagged), ``fpr_bound`` (alpha + 3 binomial
    standard errors), ``tpr``, ``auroc_nb`` and ``auroc_mse``.
    """
    from course_utils import data, training, vae

    training.seed_everything(seed)
    sim = CountSimulator(seed=seed)
    train, cal = sim.healthy(n_train, seed + 1).counts, sim.healthy(n_calibration, seed + 2).counts
    fresh, bad = sim.healthy(n_fresh, seed + 3).counts, sim.anomalous(n_anomalous, seed + 4).counts
    model = NBVAE(sim.n_genes, latent_dim=latent_dim)
    training.train(model, data.make_loader(train, batch_size=128, seed=seed), nb_elbo_loss, epochs=epochs, lr=2e-3,
                   progress=False)
    threshold = conformal_threshold(nb_score(model, cal), alpha)
    fresh_scores, bad_scores = nb_score(model, fresh), nb_score(model, bad)
    baseline = vae.VAE(sim.n_genes, [128], latent_dim)
    training.train(baseline, data.make_loader(normalise_counts(train), batch_size=128, seed=seed),
                   training.vae_loss("mse"), epochs=epochs, lr=2e-3, progress=False)
    return {
        "fpr": float((fresh_scores > threshold).float().mean()),
        "fpr_bound": alpha + 3 * math.sqrt(alpha * (1 - alpha) / n_fresh),
        "tpr": float((bad_scores > threshold).float().mean()),
        "auroc_nb": auroc(fresh_scores, bad_scores),
        "auroc_mse": auroc(mse_score(baseline, fresh), mse_score(baseline, bad)),
    }
