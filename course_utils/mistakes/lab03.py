"""Lab 03 (conditional VAE): what the classic mistakes compute.

Shapes: property ``values`` (n, n_props) with per-column ``mean``, ``std`` (n_props,); ``tokens``
(batch, length) int64 padded with the vocabulary's pad id; conditions ``y`` (batch, cond_dim);
``z`` (batch, latent_dim); decoder ``inputs`` (batch, steps); ``model`` a
:class:`course_utils.cvae.ConditionalSmilesVAE`; Spearman and MAE inputs are 1-D sequences of equal
length.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from course_utils.smiles import Vocabulary

Catalogue = dict[str, torch.Tensor | float]

# --- standardize -----------------------------------------------------------------------------------

STD_POPULATION = ("you used the population standard deviation (divided by n: unbiased=False, correction=0 or "
                  "NumPy's default); use torch.std's default, the unbiased estimate (divides by n - 1)")
STD_GLOBAL = ("you computed one mean and one std over the whole table; compute them per column "
              "(values.mean(0), values.std(0))")
STD_VARIANCE = "you divided by the variance (values.var(0)); divide by the standard deviation (values.std(0))"
STD_PRECEDENCE = ("parentheses are missing: values - mean / std divides only the mean; "
                  "compute (values - mean) / std")
STD_IGNORES_GIVEN = ("you recomputed mean and std although they were given: when mean and std are passed "
                     "(test data, requested targets), use them unchanged")
STD_NO_ZERO_CHECK = "a constant column has std 0: raise ValueError instead of dividing by zero"


def standardize(values: torch.Tensor, mean: torch.Tensor | None = None,
                std: torch.Tensor | None = None) -> Catalogue:
    """The scaled values (n, n_props) as each mistake computes them."""
    own_mean, own_std = values.mean(0), values.std(0)
    if mean is None or std is None:
        return {
            STD_POPULATION: (values - own_mean) / values.std(0, unbiased=False),
            STD_GLOBAL: (values - values.mean()) / values.std(),
            STD_VARIANCE: (values - own_mean) / values.var(0),
            STD_PRECEDENCE: values - own_mean / own_std,
        }
    out = {STD_PRECEDENCE: values - mean / std}
    if len(values) > 1:
        out[STD_IGNORES_GIVEN] = (values - own_mean) / own_std
    return out


# --- cond_encode -----------------------------------------------------------------------------------

ENC_Y_FIRST = ("y comes before the embedding; the GRU's weights expect cat([embedding, y repeated], dim=2), "
               "the embedding first")
ENC_RESHAPE = ("h.reshape(batch, -1) (or .view) mixes the direction and batch axes of the GRU state "
               "(2, batch, hidden): concatenate the two directions, torch.cat([h[0], h[1]], dim=1)")
ENC_DIRECTIONS_SWAPPED = "the two directions are swapped: the forward state first, torch.cat([h[0], h[1]], dim=1)"
ENC_NO_PACKING = ("the padded sequences went through the GRU without packing, so the padding reaches it: "
                  "pack the sequence with pack_padded_sequence, as in lab 02")


def _encoder_input(model: nn.Module, tokens: torch.Tensor, y: torch.Tensor, y_first: bool = False) -> torch.Tensor:
    emb, rep = model.embed(tokens), y.unsqueeze(1).expand(-1, tokens.shape[1], -1)
    return torch.cat([rep, emb] if y_first else [emb, rep], dim=2)


def _packed_state(model: nn.Module, x: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    lengths = (tokens != Vocabulary.pad_id).sum(1)
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    return model.encoder_rnn(packed)[1]


def cond_encode(model: nn.Module, tokens: torch.Tensor, y: torch.Tensor) -> dict[str, Catalogue]:
    """``{"mu": {...}, "logvar": {...}}``, each (batch, latent_dim), as each mistake computes them."""
    with torch.no_grad():
        x = _encoder_input(model, tokens, y)
        h = _packed_state(model, x, tokens)
        h_y_first = _packed_state(model, _encoder_input(model, tokens, y, y_first=True), tokens)
        states = {
            ENC_Y_FIRST: torch.cat([h_y_first[0], h_y_first[1]], dim=1),
            ENC_RESHAPE: h.reshape(tokens.shape[0], -1),
            ENC_DIRECTIONS_SWAPPED: torch.cat([h[1], h[0]], dim=1),
        }
        h_padded = model.encoder_rnn(x)[1]
        states[ENC_NO_PACKING] = torch.cat([h_padded[0], h_padded[1]], dim=1)
        return {"mu": {why: model.to_mu(s) for why, s in states.items()},
                "logvar": {why: model.to_logvar(s) for why, s in states.items()}}


# --- cond_decode -----------------------------------------------------------------------------------

DEC_CODE_ORDER = "the code is cat([z, y], dim=1), z first: the weights expect that order"
DEC_NO_TANH = "the starting state is torch.tanh(model.z_to_hidden(c)).unsqueeze(0): the tanh is missing"
DEC_STEP_ORDER = "each step reads cat([embedding, c repeated], dim=2): the embedding comes first"
DEC_Y_ONLY_AT_START = ("y only reaches the starting state; every step must read it too: concatenate c = [z, y] "
                       "(not z alone) to the embedding at every step")
DEC_SOFTMAX = "you returned probabilities (softmax); return the logits, model.to_logits(output)"
DEC_IGNORES_HIDDEN = ("the hidden state you are given is ignored: start from tanh(z_to_hidden(c)) only when "
                      "hidden is None, and pass the hidden state on between calls")


def cond_decode(model: nn.Module, z: torch.Tensor, y: torch.Tensor, inputs: torch.Tensor) -> dict[str, Catalogue]:
    """``{"logits": {...}, "hidden": {...}}`` of one call from no hidden state, as each mistake computes them."""
    def run(code: torch.Tensor, start: torch.Tensor, step_code: torch.Tensor, code_first: bool = False):
        emb, rep = model.embed(inputs), step_code.unsqueeze(1).expand(-1, inputs.shape[1], -1)
        out, hidden = model.decoder_rnn(torch.cat([rep, emb] if code_first else [emb, rep], dim=2), start)
        return model.to_logits(out), hidden

    with torch.no_grad():
        c, c_swapped = torch.cat([z, y], dim=1), torch.cat([y, z], dim=1)
        start = torch.tanh(model.z_to_hidden(c)).unsqueeze(0)
        runs = {
            DEC_CODE_ORDER: run(c_swapped, torch.tanh(model.z_to_hidden(c_swapped)).unsqueeze(0), c_swapped),
            DEC_NO_TANH: run(c, model.z_to_hidden(c).unsqueeze(0), c),
            DEC_STEP_ORDER: run(c, start, c, code_first=True),
            DEC_Y_ONLY_AT_START: run(c, start, torch.cat([z, torch.zeros_like(y)], dim=1)),
        }
        logits, hidden = run(c, start, c)
        out: dict[str, Catalogue] = {"logits": {why: r[0] for why, r in runs.items()},
                                     "hidden": {why: r[1] for why, r in runs.items()}}
        out["logits"][DEC_SOFTMAX] = torch.softmax(logits, dim=-1)
        return out


# --- condition_vectors -----------------------------------------------------------------------------

COND_TILED = ("the targets are interleaved (repeat / np.tile gives t0, t1, t0, t1, ...): rows come in blocks "
              "of n_per_target, one block per target (repeat_interleave)")
COND_OTHERS_RAW_ZERO = ("the other columns are 0 before standardising (so -mean/std after it); hold them at "
                        "the training mean, which standardises to 0")
COND_RAW_TARGET = ("the target went into the vector in raw units; standardise it with the training "
                   "statistics, (target - mean) / std")
COND_NOT_STANDARDIZED = "the vectors are in raw units: return them standardised with the given mean and std"
COND_COLUMN_IGNORED = "the target always went into column 0; put it in the column you are given"
COND_OWN_STATISTICS = ("standardize the requests with the training statistics you are given, "
                       "standardize(raw, mean, std): computed from the requests themselves, the held columns have "
                       "zero spread")


def condition_vectors(targets: Sequence[float], column: int, mean: torch.Tensor, std: torch.Tensor,
                      n_per_target: int) -> Catalogue:
    """The conditions (len(targets) * n_per_target, n_props) as each mistake computes them."""
    t = torch.tensor(list(targets), dtype=mean.dtype)
    n = len(t) * n_per_target

    def build(col: int, values: torch.Tensor, others: torch.Tensor) -> torch.Tensor:
        raw = others.repeat(n, 1)
        raw[:, col] = values
        return raw

    blocks = t.repeat_interleave(n_per_target)
    right_raw = build(column, blocks, mean)
    out = {
        COND_TILED: (build(column, t.repeat(n_per_target), mean) - mean) / std,
        COND_OTHERS_RAW_ZERO: (build(column, blocks, torch.zeros_like(mean)) - mean) / std,
        COND_RAW_TARGET: build(column, blocks, torch.zeros_like(mean)),
        COND_NOT_STANDARDIZED: right_raw,
    }
    if column != 0:
        out[COND_COLUMN_IGNORED] = (build(0, blocks, mean) - mean) / std
    return out


# --- spearman, target_mae --------------------------------------------------------------------------

SP_NO_TIE_AVERAGE = ("tied values did not share their average rank (argsort of argsort gives ties different "
                     "ranks): give each group of equal values the mean of the ranks it spans")
SP_PEARSON_VALUES = "you correlated the values themselves (Pearson); Spearman correlates their ranks"
SP_ARGSORT_AS_RANKS = ("np.argsort gives the order that sorts the values, not their ranks: set ranks[order] = 1..n "
                       "(or take the argsort of the argsort), then average over ties")
SP_SHORTCUT = ("the shortcut 1 - 6 sum(d^2) / (n (n^2 - 1)) is exact only without ties; take the Pearson "
               "correlation of the average ranks")
SP_NOT_CENTERED = ("the ranks were not centred: subtract each one's mean before multiplying, "
                   "sum((ra - mean) (rb - mean)) / sqrt(...)")
SP_MIXED_DDOF = ("the covariance and the standard deviations use different divisors (np.cov divides by n - 1, "
                 "np.std by n): use the same for both, or the formula with sums")


def _average_ranks(v: np.ndarray) -> np.ndarray:
    r = np.empty(len(v))
    r[np.argsort(v, kind="mergesort")] = np.arange(1, len(v) + 1)
    for value in np.unique(v):
        r[v == value] = r[v == value].mean()
    return r


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float((a * b).sum() / np.sqrt((a ** 2).sum() * (b ** 2).sum()))


def _add(out: Catalogue, why: str, value: float, note: str) -> None:
    """Catalogue ``value`` under ``why``, or under ``why + note`` when ``why`` already holds another value."""
    if why not in out:
        out[why] = value
    elif all(v != value for k, v in out.items() if k.startswith(why)):
        out[why + note] = value


def spearman(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> Catalogue:
    """Spearman's rho as each mistake computes it.

    Mistakes that rank with a bare ``np.argsort`` depend on how it orders ties (NumPy's default sort
    is not stable): each tie order that gives another value is catalogued too, under the same
    explanation with a note.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n = len(a)
    ra, rb = _average_ranks(a), _average_ranks(b)
    out: Catalogue = {
        SP_PEARSON_VALUES: _pearson(a, b),
        SP_SHORTCUT: float(1 - 6 * ((ra - rb) ** 2).sum() / (n * (n ** 2 - 1))),
        SP_NOT_CENTERED: float((ra * rb).sum() / np.sqrt((ra ** 2).sum() * (rb ** 2).sum())),
        SP_MIXED_DDOF: float(np.cov(ra, rb)[0, 1] / (ra.std() * rb.std())),
    }
    stable_note = " (here with ties in their original order, as a stable sort leaves them)"
    for kind, note in ((None, ""), ("stable", stable_note)):
        oa, ob = np.argsort(a, kind=kind), np.argsort(b, kind=kind)
        _add(out, SP_NO_TIE_AVERAGE, _pearson(np.argsort(oa).astype(float), np.argsort(ob).astype(float)), note)
        _add(out, SP_ARGSORT_AS_RANKS, _pearson(oa + 1.0, ob + 1.0), note)
    return {why: v for why, v in out.items() if np.isfinite(v)}


MAE_SIGNED = "the absolute value is missing: the mean of |achieved - target|, not of achieved - target"
MAE_RMSE = "you computed the root mean square error; the MAE is the mean of |achieved - target|"
MAE_SUM = "you summed the absolute errors; average them (np.mean)"


def target_mae(targets: Sequence[float] | np.ndarray, achieved: Sequence[float] | np.ndarray) -> Catalogue:
    """The mean absolute error as each mistake computes it."""
    d = np.asarray(achieved, dtype=float) - np.asarray(targets, dtype=float)
    return {MAE_SIGNED: float(d.mean()), MAE_RMSE: float(np.sqrt((d ** 2).mean())), MAE_SUM: float(np.abs(d).sum())}
