"""Lab 04 (inside the latent space): what the classic mistakes compute.

Shapes: ``mu``, ``logvar``: (n, latent_dim) (what one call of the encoder gives); ``x``: (n,) a 1-D
sample; ``z``: (n, latent_dim); ``fps``: (n, n_bits) 0/1 fingerprints; ``i``, ``j``: (n_pairs,) index
arrays; ``z_train``: (n, d), ``y_train``: (n,), ``z_test``: (m, d); ``path``: a list of SMILES.
Every value is computed in float64.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

Catalogue = dict[str, torch.Tensor]

# --- encode_means -------------------------------------------------------------------------------

ENCODE_SAMPLE = ("two calls on the same molecules gave different codes: you return a sample "
                 "z = mu + sigma * eps (or run the whole model) instead of the mean mu; return mu itself")
ENCODE_NO_GRAD = ("the means still carry gradients: encode inside `with torch.no_grad():` (no gradients are "
                  "needed, and keeping them holds every activation in memory)")
ENCODE_TRAIN_MODE = "the encoder ran in training mode: call model.eval() before encoding"
ENCODE_ONE_CALL = ("batch_size is ignored: encode the molecules in chunks of batch_size "
                   "(smiles_list[i:i + batch_size] for i in range(0, n, batch_size))")
ENCODE_REVERSED = ("the batches are put together in the wrong order: append each batch's result and "
                   "torch.cat the list in the order the molecules came")
ENCODE_LAST_DROPPED = ("the last, shorter batch is missing: loop over range(0, len(smiles_list), batch_size) so "
                       "the final chunk is encoded too")
ENCODE_LAST_ONLY = ("only the last batch is returned: collect every batch's mu and logvar in lists and "
                    "torch.cat them after the loop")
ENCODE_FIRST_ONLY = "only the first batch is returned: the return statement is inside the loop"
ENCODE_SWAPPED = "mu and logvar are swapped: model.encode returns (mu, logvar) in that order; return them so"
ENCODE_VARIANCE = "you return the variance exp(logvar); return logvar itself"


def _chunks(t: torch.Tensor, batch_size: int) -> list[torch.Tensor]:
    return list(torch.split(t, batch_size))


def encode_mu(mu: torch.Tensor, logvar: torch.Tensor, batch_size: int) -> Catalogue:
    """``mu`` as each batching mistake returns it, from the means of one call on all n molecules."""
    n = mu.shape[0]
    parts = _chunks(mu, batch_size)
    return {
        ENCODE_REVERSED: torch.cat(parts[::-1]),
        ENCODE_LAST_DROPPED: mu[: (n // batch_size) * batch_size] if n % batch_size else mu[: n - batch_size],
        ENCODE_LAST_ONLY: parts[-1],
        ENCODE_FIRST_ONLY: parts[0],
        ENCODE_SWAPPED: logvar,
    }


def encode_logvar(mu: torch.Tensor, logvar: torch.Tensor) -> Catalogue:
    """``logvar`` as each mistake returns it."""
    return {ENCODE_SWAPPED: mu, ENCODE_VARIANCE: logvar.exp()}


# --- ks_normal ----------------------------------------------------------------------------------

KS_ONE_SIDED_AFTER = ("you only look at the gap just after each point (i/n - Phi(v_i)); the largest gap can also "
                      "be just before a point: D = max over i of max(i/n - Phi(v_i), Phi(v_i) - (i-1)/n)")
KS_ONE_SIDED_BEFORE = ("you only look at the gap just before each point (Phi(v_i) - (i-1)/n); take the gap "
                       "just after it too: D = max over i of max(i/n - Phi(v_i), Phi(v_i) - (i-1)/n)")
KS_OFF_BY_ONE = ("you compare Phi(v_i) with i/n on both sides; just before the i-th point (sorted, from 1) the "
                 "empirical CDF is (i-1)/n: D = max(i/n - Phi(v_i), Phi(v_i) - (i-1)/n)")
KS_UNSORTED = "the sample is not sorted: F_n(v_i) = i/n holds only for the sorted values v_1 <= ... <= v_n"
KS_NO_SQRT2 = "Phi(v) = 0.5 * (1 + erf(v / sqrt(2))): the sqrt(2) is missing"
KS_STANDARDISED = ("you standardised the sample first; the test is against N(0, 1) itself, so a sample with the "
                   "wrong mean or spread must score high")
KS_MEAN_GAP = "you averaged the gaps; D is the largest gap (max, not mean)"


def _ks_parts(v: torch.Tensor, phi: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    n = v.numel()
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return i / n - phi, phi - (i - 1) / n


def _phi(v: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1 + torch.erf(v / math.sqrt(2.0)))


def ks_normal(x: torch.Tensor | np.ndarray) -> Catalogue:
    """The KS statistic of the 1-D sample ``x`` against N(0, 1) as each mistake computes it."""
    raw = torch.as_tensor(np.asarray(x, dtype=np.float64)).flatten()
    v = torch.sort(raw).values
    after, before = _ks_parts(v, _phi(v))
    n = v.numel()
    i = torch.arange(1, n + 1, dtype=torch.float64)
    out = {
        KS_ONE_SIDED_AFTER: after.max(),
        KS_ONE_SIDED_BEFORE: before.max(),
        KS_OFF_BY_ONE: (i / n - _phi(v)).abs().max(),
        KS_UNSORTED: torch.maximum(*_ks_parts(raw, _phi(raw))).max(),
        KS_NO_SQRT2: torch.maximum(*_ks_parts(v, 0.5 * (1 + torch.erf(v)))).max(),
        KS_MEAN_GAP: torch.maximum(after, before).mean(),
    }
    if n > 1:
        s = (v - v.mean()) / v.std()
        out[KS_STANDARDISED] = torch.maximum(*_ks_parts(s, _phi(s))).max()
    return out


# --- tsne_embed (named from the settings it passes to TSNE; no extra t-SNE runs) -----------------

TSNE_NO_CHECK = ("t-SNE needs more than 3 * perplexity points: check x.shape[0] <= 3 * perplexity first and "
                 "raise ValueError with a message that says so")
TSNE_BOUNDARY = ("exactly 3 * perplexity points must raise too: t-SNE needs MORE than 3 * perplexity, so raise "
                 "when n <= 3 * perplexity (not n < 3 * perplexity)")
TSNE_WRONG_ERROR = "raise ValueError (not assert or another exception) when there are too few points"
TSNE_TENSOR = "return a NumPy array (TSNE.fit_transform gives one), not a torch tensor or a list"
TSNE_PERPLEXITY = "the perplexity argument is ignored: pass TSNE(..., perplexity=perplexity, ...)"
TSNE_SEED = "the seed argument is ignored: pass TSNE(..., random_state=seed)"
TSNE_INIT = "use init='pca' (a deterministic start that keeps the global layout)"
TSNE_FLOAT32 = ("z reached TSNE as float32: convert it with np.asarray(z, dtype=np.float64) (the encoder's "
                "means are float32 tensors)")

# --- pair_distances ----------------------------------------------------------------------------

DIST_SQUARED = "you return the squared distance; the Euclidean distance is the square root: ||z[i] - z[j]||"
DIST_L1 = "you summed absolute differences (L1); the Euclidean distance is sqrt(sum((z[i] - z[j])^2))"
DIST_ALL_PAIRS = ("you computed every pairwise distance (a matrix); return one distance per pair "
                  "(i[k], j[k]): z[i] - z[j] row by row")
DIST_WRONG_DIM = "the norm runs over the wrong axis: take it over the latent dimensions (dim=1), one per pair"
TANI_SIMILARITY = "you return the Tanimoto similarity; the distance is 1 - similarity"
TANI_DICE = ("|a OR b| is |a| + |b| - |a AND b|: you divided by |a| + |b| (that counts the shared bits twice)")
TANI_MATCHING = ("you counted the bits both fingerprints leave at 0 as agreement; Tanimoto compares only bits that "
                 "are set: |a AND b| / |a OR b|")
TANI_EMPTY = ("two empty fingerprints are identical: their Tanimoto similarity is 1 (distance 0), not 0; treat "
              "|a OR b| = 0 separately")


def pair_latent(z: torch.Tensor, i: np.ndarray, j: np.ndarray) -> Catalogue:
    """The latent distances of the pairs as each mistake computes them."""
    zz = torch.as_tensor(z, dtype=torch.float64)
    diff = zz[i] - zz[j]
    return {
        DIST_SQUARED: diff.pow(2).sum(1),
        DIST_L1: diff.abs().sum(1),
        DIST_ALL_PAIRS: torch.cdist(zz[i], zz[j]),
        DIST_WRONG_DIM: diff.norm(dim=0),
    }


def pair_tanimoto(fps: torch.Tensor, i: np.ndarray, j: np.ndarray) -> Catalogue:
    """The Tanimoto distances of the pairs as each mistake computes them."""
    f = torch.as_tensor(fps, dtype=torch.float64)
    a, b = f[i], f[j]
    both = (a * b).sum(1)
    either = a.sum(1) + b.sum(1) - both
    right = torch.where(either > 0, both / either.clamp(min=1), torch.ones_like(both))
    total = a.sum(1) + b.sum(1)
    return {
        TANI_SIMILARITY: right,
        TANI_DICE: 1 - torch.where(total > 0, both / total.clamp(min=1), torch.ones_like(both)),
        TANI_MATCHING: 1 - (a == b).double().mean(1),
        TANI_EMPTY: 1 - torch.where(either > 0, both / either.clamp(min=1), torch.zeros_like(both)),
    }


# --- ridge_predict, r2_score --------------------------------------------------------------------

RIDGE_NO_INTERCEPT = ("there is no intercept: centre z and y with the training means, solve on the centred data, "
                      "and add the mean of y back to the predictions")
RIDGE_NO_Y_MEAN = "the mean of y is not added back: predictions are (z - z_mean) @ w + y_mean"
RIDGE_ONLY_Y_CENTRED = ("z is not centred: subtract the training mean of z from the training codes (and from the "
                        "test codes) before solving and predicting")
RIDGE_TEST_OWN_MEAN = ("the test codes are centred with their own mean; use the TRAINING mean of z (the test set "
                       "must not change the model)")
RIDGE_INTERCEPT_PENALISED = ("the intercept is penalised (a column of ones inside the ridge penalty); centre the "
                             "data instead, so alpha only shrinks w")
RIDGE_NO_ALPHA = "alpha is ignored: solve (Zc^T Zc + alpha I) w = Zc^T yc"


def _solve(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.linalg.solve(a, b)


def ridge_predict(z_train: torch.Tensor, y_train: torch.Tensor, z_test: torch.Tensor, alpha: float) -> Catalogue:
    """The predictions for ``z_test`` as each mistake computes them."""
    z = torch.as_tensor(z_train, dtype=torch.float64)
    y = torch.as_tensor(y_train, dtype=torch.float64)
    t = torch.as_tensor(z_test, dtype=torch.float64)
    d = z.shape[1]
    eye = torch.eye(d, dtype=torch.float64)
    z_mean, y_mean = z.mean(0), y.mean()
    zc, yc = z - z_mean, y - y_mean
    w = _solve(zc.T @ zc + alpha * eye, zc.T @ yc)
    w_raw = _solve(z.T @ z + alpha * eye, z.T @ y)
    w_yc = _solve(z.T @ z + alpha * eye, z.T @ yc)
    ones = torch.cat([z, torch.ones(len(z), 1, dtype=torch.float64)], 1)
    w_aug = _solve(ones.T @ ones + alpha * torch.eye(d + 1, dtype=torch.float64), ones.T @ y)
    w_ols = torch.linalg.lstsq(zc, yc.unsqueeze(1)).solution.squeeze(1)
    return {
        RIDGE_NO_INTERCEPT: t @ w_raw,
        RIDGE_NO_Y_MEAN: (t - z_mean) @ w,
        RIDGE_ONLY_Y_CENTRED: t @ w_yc + y_mean,
        RIDGE_TEST_OWN_MEAN: (t - t.mean(0)) @ w + y_mean,
        RIDGE_INTERCEPT_PENALISED: torch.cat([t, torch.ones(len(t), 1, dtype=torch.float64)], 1) @ w_aug,
        RIDGE_NO_ALPHA: (t - z_mean) @ w_ols + y_mean,
    }


R2_NO_ONE_MINUS = "R^2 = 1 - SS_res / SS_tot: the '1 -' is missing"
R2_PRED_MEAN = "SS_tot is measured around the mean of the TRUE values: sum((y_true - mean(y_true))^2)"
R2_PRED_SPREAD = ("SS_tot is the spread of the true values around their mean, not of the predictions: "
                  "sum((y_true - mean(y_true))^2)")
R2_CORRELATION = ("you returned the squared correlation; R^2 = 1 - SS_res / SS_tot also penalises a bias or a wrong "
                  "scale of the predictions")
R2_UNBIASED_VAR = ("torch.var / np.var(ddof=1) divides by n - 1 while the mean squared error divides by n: use the "
                   "sums SS_res and SS_tot (or the same divisor for both)")


def r2_score(y_true: Sequence[float], y_pred: Sequence[float]) -> Catalogue:
    """R^2 as each mistake computes it."""
    t = torch.as_tensor(y_true, dtype=torch.float64)
    p = torch.as_tensor(y_pred, dtype=torch.float64)
    ss_res = ((t - p) ** 2).sum()
    ss_tot = ((t - t.mean()) ** 2).sum()
    corr = ((t - t.mean()) * (p - p.mean())).sum() / (ss_tot * ((p - p.mean()) ** 2).sum()).sqrt()
    return {
        R2_NO_ONE_MINUS: ss_res / ss_tot,
        R2_PRED_MEAN: 1 - ss_res / ((t - p.mean()) ** 2).sum(),
        R2_PRED_SPREAD: 1 - ss_res / ((p - p.mean()) ** 2).sum(),
        R2_CORRELATION: corr ** 2,
        R2_UNBIASED_VAR: 1 - ((t - p) ** 2).mean() / t.var(),
    }


# --- path_smoothness ---------------------------------------------------------------------------

PATH_COUNT = "validity is a share of the points (valid / len(path)), not a count"
PATH_INVALID_ZERO = ("the invalid points are not skipped: they entered the mean with similarity 0; compare each "
                     "valid molecule with the next VALID one")
PATH_STRADDLE = ("the pairs around an invalid point are dropped; skip the invalid point instead, so the valid "
                 "molecules before and after it form a pair")
PATH_TO_START = "each molecule is compared with the first one; compare consecutive valid molecules"
PATH_ALL_PAIRS = "you averaged over every pair of valid molecules; use consecutive pairs only (k and k + 1)"
PATH_DISTANCE = "you averaged the Tanimoto distance; the task asks for the similarity |a AND b| / |a OR b|"
PATH_PER_STEP = ("the sum of similarities is divided by the number of steps of the whole path; divide by the "
                 "number of consecutive valid pairs (n_valid - 1)")


def _tanimoto(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    both = (a * b).sum(-1)
    either = a.sum(-1) + b.sum(-1) - both
    return torch.where(either > 0, both / either.clamp(min=1), torch.ones_like(both))


def path_validity(path: Sequence[str]) -> Catalogue:
    """The validity of the path as each mistake computes it."""
    from course_utils.chem import is_valid

    return {PATH_COUNT: torch.tensor(float(sum(bool(s) and is_valid(s) for s in path)), dtype=torch.float64)}


def path_similarity(path: Sequence[str]) -> Catalogue:
    """The mean step similarity as each mistake computes it (the path needs 2 or more valid points)."""
    from course_utils.chem import is_valid, morgan_fingerprints

    ok = [bool(s) and is_valid(s) for s in path]
    valid = [s for s, good in zip(path, ok, strict=True) if good]
    f = morgan_fingerprints(valid).double()
    steps = _tanimoto(f[:-1], f[1:])  # consecutive valid molecules: the right pairs

    def sim(a: str, b: str) -> float:
        fa, fb = morgan_fingerprints([a, b]).double()
        return float(_tanimoto(fa, fb))

    neighbours = [sim(path[k], path[k + 1]) if ok[k] and ok[k + 1] else None for k in range(len(path) - 1)]
    adjacent = [v for v in neighbours if v is not None]
    all_pairs = [float(_tanimoto(f[a], f[b])) for a in range(len(f)) for b in range(a + 1, len(f))]
    out = {
        PATH_INVALID_ZERO: torch.tensor(float(np.mean([v or 0.0 for v in neighbours])), dtype=torch.float64),
        PATH_TO_START: _tanimoto(f[:1], f[1:]).mean(),
        PATH_ALL_PAIRS: torch.tensor(float(np.mean(all_pairs)), dtype=torch.float64),
        PATH_DISTANCE: (1 - steps).mean(),
        PATH_PER_STEP: steps.sum() / (len(path) - 1),
    }
    if adjacent:
        out[PATH_STRADDLE] = torch.tensor(float(np.mean(adjacent)), dtype=torch.float64)
    return out
