"""Looking inside a trained latent space (lab 04): encodings, normality, distances, regression, paths.

Every function takes plain tensors or SMILES and returns numbers a student can check by hand or
with scipy / scikit-learn; the tests do exactly that.

Shapes: z (n, latent_dim) float; smiles lists of length n; property values (n,).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from course_utils.chem import canonical_smiles, is_valid, morgan_fingerprints, tanimoto
from course_utils.seqvae import SmilesVAE
from course_utils.smiles import Vocabulary
from course_utils.vae import check_shape


@torch.no_grad()
def encode_means(model: SmilesVAE, vocab: Vocabulary, smiles: Sequence[str],
                 batch_size: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """Posterior means and log-variances of ``smiles``: mu, logvar (n, latent_dim), on the CPU.

    Batched, without gradients and in eval mode, so 10,000 molecules fit in memory and time.
    """
    was_training = model.training
    model.eval()
    mus, logvars = [], []
    for i in range(0, len(smiles), batch_size):
        mu, logvar = model.encode(vocab.encode_batch(list(smiles[i:i + batch_size])).to(model.device))
        mus.append(mu.cpu())
        logvars.append(logvar.cpu())
    model.train(was_training)
    if not mus:
        raise ValueError("no molecules to encode")
    return torch.cat(mus), torch.cat(logvars)


def ks_normal(x: torch.Tensor | np.ndarray) -> float:
    """Kolmogorov-Smirnov statistic of a 1-D sample against N(0, 1): sup_x |F_n(x) - Phi(x)|.

    0 for a perfect match; for n samples truly from N(0, 1) it is typically about 0.87 / sqrt(n).
    """
    v = np.sort(np.asarray(x, dtype=np.float64).ravel())
    if v.size == 0 or not np.isfinite(v).all():
        raise ValueError("ks_normal needs a non-empty sample of finite numbers")
    n = v.size
    phi = torch.special.ndtr(torch.from_numpy(v)).numpy()  # the N(0, 1) CDF
    above = np.arange(1, n + 1) / n - phi  # F_n just after each point
    below = phi - np.arange(0, n) / n  # F_n just before each point
    return float(max(above.max(), below.max()))


def sample_posterior(mu: torch.Tensor, logvar: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """One z ~ q(z|x) per row: mu + exp(logvar / 2) * eps, seeded. The aggregate posterior's samples."""
    check_shape("logvar", logvar, tuple(mu.shape))
    eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(seed))
    return mu + torch.exp(0.5 * logvar) * eps


def random_pairs(n: int, n_pairs: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n_pairs`` index pairs (i, j), i != j, drawn uniformly from range(n), seeded."""
    if n < 2:
        raise ValueError(f"need at least 2 items to form pairs, got {n}")
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, n_pairs)
    j = (i + rng.integers(1, n, n_pairs)) % n  # never equal to i
    return i, j


@dataclass
class DistanceStudy:
    """Latent Euclidean distances and Tanimoto distances (1 - similarity) of the same pairs, and their Spearman."""

    latent: np.ndarray
    tanimoto: np.ndarray
    spearman: float


def pair_distances(z: torch.Tensor, fps: torch.Tensor, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For index pairs (i[k], j[k]): ||z[i] - z[j]|| and 1 - Tanimoto(fps[i], fps[j]), two (n_pairs,) arrays.

    z (n, latent_dim); fps (n, n_bits) 0/1 fingerprints. Two empty fingerprints have distance 0.
    """
    check_shape("fps", fps, (z.shape[0], None))
    z = torch.as_tensor(z, dtype=torch.float64)
    return (z[i] - z[j]).norm(dim=1).numpy(), (1.0 - tanimoto(fps[i], fps[j])).numpy()


def distance_vs_tanimoto(z: torch.Tensor, smiles: Sequence[str], n_pairs: int = 5000, seed: int = 0) -> DistanceStudy:
    """Do molecules close in latent space look alike? Random pairs, ||z_i - z_j|| against 1 - Tanimoto.

    Fingerprints: Morgan radius 2, 1024 bits. Spearman > 0 means "closer in z, more similar".
    """
    from scipy.stats import spearmanr

    check_shape("z", z, (len(smiles), None))
    i, j = random_pairs(len(smiles), n_pairs, seed)
    d_latent, d_tanimoto = pair_distances(z, morgan_fingerprints(list(smiles)), i, j)
    return DistanceStudy(d_latent, d_tanimoto, float(spearmanr(d_latent, d_tanimoto).statistic))


@dataclass
class RidgeFit:
    """``predict(z) = (z - z_mean) @ weights + y_mean``."""

    weights: torch.Tensor
    z_mean: torch.Tensor
    y_mean: float

    def predict(self, z: torch.Tensor) -> torch.Tensor:
        return (z.double() - self.z_mean) @ self.weights + self.y_mean


def ridge_fit(z: torch.Tensor, y: torch.Tensor, alpha: float = 1.0) -> RidgeFit:
    """Ridge regression with an unpenalised intercept: w = (Zc^T Zc + alpha I)^-1 Zc^T yc (centred data).

    Solved in float64 with a linear solve (no explicit inverse). z (n, d), y (n,).
    """
    check_shape("y", y, (z.shape[0],))
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    zz, yy = z.double(), y.double()
    z_mean, y_mean = zz.mean(0), yy.mean()
    zc, yc = zz - z_mean, yy - y_mean
    gram = zc.T @ zc + alpha * torch.eye(z.shape[1], dtype=torch.float64)
    return RidgeFit(torch.linalg.solve(gram, zc.T @ yc), z_mean, float(y_mean))


def r2_score(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    """Coefficient of determination 1 - SS_res / SS_tot (1 is perfect, 0 is predicting the mean)."""
    check_shape("y_pred", y_pred, tuple(y_true.shape))
    t, p = y_true.double(), y_pred.double()
    ss_tot = ((t - t.mean()) ** 2).sum()
    if ss_tot == 0:
        raise ValueError("R^2 is undefined when every true value is the same")
    return float(1.0 - ((t - p) ** 2).sum() / ss_tot)


def ridge_predict(z_train: torch.Tensor, y_train: torch.Tensor, z_test: torch.Tensor,
                  alpha: float = 1.0) -> torch.Tensor:
    """Fit :func:`ridge_fit` on the training pairs and predict ``z_test`` (m, d): float64 (m,)."""
    return ridge_fit(torch.as_tensor(z_train), torch.as_tensor(y_train), alpha).predict(torch.as_tensor(z_test))


def ridge_r2(z_train: torch.Tensor, y_train: torch.Tensor, z_test: torch.Tensor, y_test: torch.Tensor,
             alpha: float = 1.0) -> float:
    """Held-out R^2 of a ridge regression of a property from latent vectors."""
    return r2_score(y_test, ridge_predict(z_train, y_train, z_test, alpha))


def path_smoothness(path: Sequence[str]) -> dict[str, float]:
    """Validity along a decoded path and the mean Tanimoto similarity of consecutive valid molecules.

    ``changes`` counts steps where the molecule changes (between consecutive valid points), so a
    path that jumps straight from start to end has high similarity only at the ends.
    """
    if len(path) < 2:
        raise ValueError("a path needs at least 2 points")
    valid = [canonical_smiles(s) for s in path if s and is_valid(s)]
    if len(valid) < 2:
        return {"validity": len(valid) / len(path), "mean_step_similarity": float("nan"), "changes": 0.0}
    fps = morgan_fingerprints(valid)
    sims = tanimoto(fps[:-1], fps[1:]).numpy()
    changes = sum(a != b for a, b in zip(valid[:-1], valid[1:], strict=True))
    return {"validity": len(valid) / len(path), "mean_step_similarity": float(sims.mean()), "changes": float(changes)}


def evaluate_latent(model: SmilesVAE, vocab: Vocabulary, smiles: Sequence[str], logp: np.ndarray,
                    n_pairs: int = 20000, n_tsne: int = 2000, seed: int = 0) -> dict[str, float]:
    """The course's latent-space report (lab 04, bench, tests) on held-out molecules.

    ``logp_ridge_r2``: held-out R^2 (last 20%) of a ridge regression (alpha 1) of logP on the
    latent means; ``distance_tanimoto_spearman``: Spearman of latent vs Tanimoto distance over
    ``n_pairs`` random pairs; ``median_ks_z``: median KS statistic of the posterior draws per
    dimension; ``tsne_seconds``: time of a t-SNE map of ``n_tsne`` means (0 skips it).
    """
    import time

    from course_utils.plotting import tsne_embed

    mu, logvar = encode_means(model, vocab, smiles)
    n_train = int(0.8 * len(mu))
    y = torch.as_tensor(np.asarray(logp), dtype=torch.float64)
    out = {
        "logp_ridge_r2": ridge_r2(mu[:n_train], y[:n_train], mu[n_train:], y[n_train:], alpha=1.0),
        "distance_tanimoto_spearman": distance_vs_tanimoto(mu, smiles, n_pairs, seed).spearman,
            "median_ks_z": float(np.median([ks_normal(c) for c in sample_posterior(mu, logvar, seed).T])),
    }
    if n_tsne:
        start = time.perf_counter()
        tsne_embed(mu[:n_tsne], seed=seed)
        out["tsne_seconds"] = time.perf_counter() - start
    return out
