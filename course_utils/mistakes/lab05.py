"""Lab 05 (closed-loop design): what the classic mistakes compute.

Shapes: ``smiles``/``proposals``: lists of n SMILES strings; ``scores``: (n,) floats; weights (n,)
summing to 1. ``oracle`` maps a list of SMILES to a NumPy array of scores.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch

Catalogue = dict[str, object]
Oracle = Callable[[Sequence[str]], np.ndarray]

# --- qed_oracle ---------------------------------------------------------------------------------

ORACLE_NEGATIVE = "invalid molecules score -1; the worst QED is 0.0, so an invalid string scores 0.0"
ORACLE_EMPTY = ("the empty string was scored as a molecule (Chem.MolFromSmiles('') gives an empty molecule, not "
                "None): check `if s` before parsing, and score '' as 0.0")
ORACLE_DROPPED = ("you dropped the invalid strings; return one score per SMILES, in order, with 0.0 for the "
                  "invalid ones")
ORACLE_NOT_ARRAY = "return a NumPy array (np.array(scores)), not a list"


def qed_oracle(smiles: Sequence[str]) -> Catalogue:
    """The oracle's scores as each mistake computes them."""
    from rdkit import Chem
    from rdkit.Chem import QED

    mols = [Chem.MolFromSmiles(s) for s in smiles]
    good = [bool(s) and m is not None for s, m in zip(smiles, mols, strict=True)]
    right = np.array([QED.qed(m) if ok else 0.0 for m, ok in zip(mols, good, strict=True)])
    return {
        ORACLE_NEGATIVE: np.where(good, right, -1.0),
        ORACLE_EMPTY: np.array([QED.qed(m) if m is not None else 0.0 for m in mols]),
        ORACLE_DROPPED: right[np.array(good, dtype=bool)],
    }


# --- rank_weights -------------------------------------------------------------------------------

WEIGHTS_ASCENDING = ("rank 0 went to the LOWEST score; rank 0 is the best (highest) score: sort by -scores "
                     "(np.argsort(-scores, kind='stable'))")
WEIGHTS_ARGSORT = ("you used the output of argsort as the ranks; argsort gives the indices in rank order, its "
                   "inverse gives each molecule's rank: ranks[order] = np.arange(N)")
WEIGHTS_FROM_ONE = "ranks start at 0 for the best molecule, not 1: w = 1 / (k N + rank), rank = 0, 1, ..."
WEIGHTS_NO_N = "the pool size N is missing: w = 1 / (k * N + rank), not 1 / (k + rank)"
WEIGHTS_NOT_NORMALISED = "the weights are not normalised: divide by their sum so they add up to 1"
WEIGHTS_BY_SCORE = "you weighted by the score itself; the weights depend only on the rank: 1 / (k N + rank)"
WEIGHTS_TIES_REVERSED = ("ties are broken in reverse: np.argsort(scores)[::-1] puts the LAST of equal scores first; "
                         "use np.argsort(-scores, kind='stable') so the first appearance ranks first")
WEIGHTS_TIES_AVERAGED = ("equal scores share an averaged rank (scipy.stats.rankdata's default); break ties by order "
                         "of appearance: np.argsort(-scores, kind='stable')")
WEIGHTS_INF = "k = inf must give uniform weights (1 / N each); handle math.isinf(k) before the formula"


def _normalise(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def rank_weights(scores: Sequence[float], k: float) -> Catalogue:
    """The weights as each mistake computes them (finite k > 0)."""
    s = np.asarray(scores, dtype=float)
    n = len(s)
    order = np.argsort(-s, kind="stable")
    ranks = np.empty(n)
    ranks[order] = np.arange(n)
    ascending = np.empty(n)
    ascending[np.argsort(s, kind="stable")] = np.arange(n)
    reversed_ties = np.empty(n)
    reversed_ties[np.argsort(s, kind="stable")[::-1]] = np.arange(n)
    averaged = np.array([(s > v).sum() + ((s == v).sum() - 1) / 2 for v in s])
    return {
        WEIGHTS_ASCENDING: _normalise(1 / (k * n + ascending)),
        WEIGHTS_ARGSORT: _normalise(1 / (k * n + order)),
        WEIGHTS_FROM_ONE: _normalise(1 / (k * n + ranks + 1)),
        WEIGHTS_NO_N: _normalise(1 / (k + ranks)),
        WEIGHTS_NOT_NORMALISED: 1 / (k * n + ranks),
        WEIGHTS_BY_SCORE: _normalise(s),
        WEIGHTS_TIES_REVERSED: _normalise(1 / (k * n + reversed_ties)),
        WEIGHTS_TIES_AVERAGED: _normalise(1 / (k * n + averaged)),
    }


# --- summarize ----------------------------------------------------------------------------------

SUMMARY_COUNT = "validity is the share of valid proposals (n_valid / n), not their number"
SUMMARY_VALID_ONLY = ("validity is computed over the valid proposals only (always 1); divide the number of valid "
                      "proposals by the number of ALL proposals")
SUMMARY_EMPTY_VALID = ("the empty string counted as a valid molecule (Chem.MolFromSmiles('') is not None): "
                       "keep a proposal only when `s and Chem.MolFromSmiles(s) is not None`")
SUMMARY_MEAN_ALL = "the mean score includes the invalid proposals; call the oracle on the valid proposals only"
SUMMARY_MEAN_ZERO = ("the invalid proposals entered the mean as 0; the mean is over the valid proposals only "
                     "(validity reports the rest)")
SUMMARY_TOP_LOWEST = "the top 10% are the HIGHEST scores: sort in descending order before taking the first ones"
SUMMARY_TOP_ALL = "the top tenth counts the valid proposals: max(1, n_valid // 10), not len(proposals) // 10"
SUMMARY_TOP_CEIL = "the top tenth has max(1, n_valid // 10) molecules (rounded down), not ceil(n_valid / 10)"
SUMMARY_TOP_MAX = "top10_score is the mean of the best max(1, n_valid // 10) scores, not the single best"
SUMMARY_TOP_EMPTY = ("with fewer than 10 valid proposals n_valid // 10 is 0: take max(1, n_valid // 10) so the "
                     "top tenth holds at least one molecule")


def _valid(proposals: Sequence[str]) -> list[bool]:
    from rdkit import Chem

    return [bool(s) and Chem.MolFromSmiles(s) is not None for s in proposals]


def summarize(proposals: Sequence[str], oracle: Oracle) -> dict[str, Catalogue]:
    """For each key of the report (validity, mean_score, top10_score): what each mistake reports.

    ``proposals`` must hold at least one valid molecule.
    """
    from rdkit import Chem

    ok = _valid(proposals)
    valid = [s for s, good in zip(proposals, ok, strict=True) if good]
    n, n_valid = len(proposals), len(valid)
    scores = np.sort(np.asarray(oracle(valid), dtype=float))[::-1]
    with_empty = [s for s in proposals if Chem.MolFromSmiles(s) is not None]
    scores_empty = np.asarray(oracle(with_empty), dtype=float)
    every = np.asarray(oracle(list(proposals)), dtype=float)
    zeros = np.where(ok, every, 0.0)
    top = max(1, n_valid // 10)
    out: dict[str, Catalogue] = {
        "validity": {SUMMARY_COUNT: float(n_valid), SUMMARY_VALID_ONLY: 1.0,
                     SUMMARY_EMPTY_VALID: len(with_empty) / n},
        "mean_score": {SUMMARY_MEAN_ALL: float(every.mean()), SUMMARY_MEAN_ZERO: float(zeros.mean()),
                       SUMMARY_EMPTY_VALID: float(scores_empty.mean())},
        "top10_score": {SUMMARY_TOP_LOWEST: float(scores[::-1][:top].mean()),
                        SUMMARY_TOP_ALL: float(scores[: max(1, n // 10)].mean()),
                        SUMMARY_TOP_CEIL: float(scores[: math.ceil(n_valid / 10)].mean()),
                        SUMMARY_TOP_MAX: float(scores[0])},
    }
    return out


# --- one_round ------------------------------------------------------------------------------------

ROUND_NO_FINETUNE = ("the generator was not fine-tuned: when steps > 0 call design.weighted_finetune(model, vocab, "
                     "pool.smiles, rank_weights(pool.scores, k), steps, seed=seed) before proposing")
ROUND_UNIFORM = "the fine-tuning ignored k (uniform weights): pass rank_weights(pool.scores, k)"
ROUND_SCORE_WEIGHTS = "the fine-tuning weighted by the raw scores; pass your rank_weights(pool.scores, k)"
ROUND_FINETUNE_SEED = "the fine-tuning ignored the seed: pass seed=seed to design.weighted_finetune"
ROUND_PROPOSE_FIRST = ("the proposals were written before the fine-tuning: fine-tune first (when steps > 0), then "
                       "propose with the fine-tuned generator")
ROUND_PROPOSE_SEED = "the proposals ignore the seed: call design.propose(model, vocab, n_propose, seed=seed)"
ROUND_POOL_AFTER = "report['pool'] is the pool size BEFORE the new molecules join: read it before pool.add"
ROUND_POOL_NOT_GROWN = ("the pool did not receive the round's valid proposals: pool.add(valid, oracle(valid)) after "
                        "the report")
ROUND_REPORT = ("the report is not summarize(proposals, oracle) of ALL proposals (validity counts the invalid ones "
                "too)")


def flat_weights(model: torch.nn.Module) -> torch.Tensor:
    """All parameters of ``model`` as one float64 vector, the last layer first (its values show a difference)."""
    return torch.cat([p.detach().flatten().double() for p in reversed(list(model.parameters()))])


def one_round_weights(make: Callable[[], tuple[torch.nn.Module, object]], vocab: object, k: float, steps: int,
                      seed: int) -> dict[str, torch.Tensor]:
    """The generator's parameters (flattened) after each mistaken fine-tuning.

    ``make()`` returns a fresh (model, pool) pair, seeded, exactly as the test builds the student's.
    """
    from course_utils import design

    out: dict[str, torch.Tensor] = {}
    model, _ = make()
    out[ROUND_NO_FINETUNE] = flat_weights(model)
    variants = ((ROUND_UNIFORM, lambda s: design.rank_weights(s, math.inf), seed),
                (ROUND_SCORE_WEIGHTS, lambda s: np.asarray(s) / np.sum(s), seed),
                (ROUND_FINETUNE_SEED, lambda s: design.rank_weights(s, k), 0))
    for why, weights, ft_seed in variants:
        model, pool = make()
        design.weighted_finetune(model, vocab, pool.smiles, weights(np.array(pool.scores)), steps, seed=ft_seed)
        out[why] = flat_weights(model)
    return out


# --- expected_improvement (part 2) ------------------------------------------------------------------

EI_PROBABILITY = ("you returned the probability of improvement Phi(u); the expected improvement also weighs by "
                  "how much: (m - best) Phi(u) + s phi(u)")
EI_NO_PDF = ("the s phi(u) term is missing: EI = (m - best) Phi(u) + s phi(u); without it a point with a high "
             "uncertainty but a mean below the best gets no credit for exploring")
EI_VARIANCE = ("the std was treated as a variance (its square root taken): GaussianProcessRegressor.predict("
               "return_std=True) already gives the standard deviation s")
EI_SIGN = "u has the wrong sign: u = (m - best) / s, so a mean above the best makes Phi(u) large"
EI_ZERO_STD = ("where s = 0 the improvement is certain: return max(m - best, 0) there (u = (m - best) / 0 gives "
               "inf or nan)")


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> Catalogue:
    """What each mistake computes for EI (std > 0 everywhere except where EI_ZERO_STD applies)."""
    from scipy.stats import norm

    m, s = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    gain = m - best
    safe = np.where(s > 0, s, 1.0)
    u = gain / safe
    root = np.sqrt(s)
    safe_root = np.where(root > 0, root, 1.0)
    out: Catalogue = {
        EI_PROBABILITY: np.where(s > 0, norm.cdf(u), (gain > 0).astype(float)),
        EI_NO_PDF: np.where(s > 0, gain * norm.cdf(u), np.maximum(gain, 0.0)),
        EI_VARIANCE: np.where(s > 0, gain * norm.cdf(gain / safe_root) + root * norm.pdf(gain / safe_root),
                              np.maximum(gain, 0.0)),
        EI_SIGN: np.where(s > 0, gain * norm.cdf(-u) + s * norm.pdf(-u), np.maximum(gain, 0.0)),
    }
    if (s == 0).any():
        out[EI_ZERO_STD] = np.where(s > 0, gain * norm.cdf(u) + s * norm.pdf(u), 0.0)
    return out


# --- gradient_ascent (part 2) -----------------------------------------------------------------------

ASCENT_NO_PROJECTION = ("the codes left the trust ball: project after EVERY step, z <- project(z + lr * grad), "
                        "so that no row ends with ||z|| > radius")
ASCENT_PROJECT_END = ("you projected only once, at the end: project after every step, so each gradient is taken "
                      "where the decoder is trusted")
ASCENT_DESCENT = "the codes went DOWNHILL: ascent adds the gradient, z <- z + lr * grad head(z)"
ASCENT_BOX = ("each coordinate was clipped to [-radius, radius] (a box); the trust region is the ball ||z|| <= "
              "radius: scale the row by radius / ||z|| when it lies outside")
ASCENT_START = "the starting codes were not projected: a z0 outside the ball must be moved onto it before step 1"


def gradient_ascent(head: Callable[[torch.Tensor], torch.Tensor], z0: torch.Tensor, radius: float, steps: int,
                    lr: float) -> Catalogue:
    """The codes (n, d) each mistaken ascent ends at."""

    def run(project_each: Callable[[torch.Tensor], torch.Tensor], sign: float, start: Callable, end: Callable
            ) -> torch.Tensor:
        z = start(z0.detach().float().clone())
        for _ in range(steps):
            z.requires_grad_(True)
            (grad,) = torch.autograd.grad(head(z).sum(), z)
            z = project_each((z + sign * lr * grad).detach())
        return end(z.detach())

    from course_utils.latent_opt import project_to_ball

    ball = lambda z: project_to_ball(z, radius)  # noqa: E731  (the right projection; the mistakes are elsewhere)
    same = lambda z: z  # noqa: E731
    box = lambda z: z.clamp(-radius, radius)  # noqa: E731
    return {
        ASCENT_NO_PROJECTION: run(same, 1.0, same, same),
        ASCENT_PROJECT_END: run(same, 1.0, same, ball),
        ASCENT_DESCENT: run(ball, -1.0, ball, same),
        ASCENT_BOX: run(box, 1.0, box, same),
        ASCENT_START: run(ball, 1.0, same, same),
    }
