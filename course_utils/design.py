"""Closed-loop molecular design (lab 05): an oracle scores, rank weights reward, the generator retrains.

One round of rank-weighted retraining (Tripp et al., 2020):

1. the pool holds every molecule seen so far with its oracle score;
2. weights w_i = 1 / (k N + rank_i), rank 0 the best, N the pool size (k -> inf: uniform);
3. the generator is fine-tuned on the pool, drawing batches with probability proportional to w;
4. it proposes new molecules, the oracle scores them, and they join the pool.

Shapes: scores (n,) float; weights (n,) summing to 1.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from course_utils import training
from course_utils.chem import is_valid, properties
from course_utils.seqvae import SmilesVAE, sequence_loss
from course_utils.smiles import Vocabulary

Oracle = Callable[[Sequence[str]], np.ndarray]


def qed_oracle(smiles: Sequence[str]) -> np.ndarray:
    """RDKit's QED (drug-likeness, 0..1) of each molecule; invalid molecules score 0."""
    return np.array([properties(s)["qed"] if s and is_valid(s) else 0.0 for s in smiles])


def rank_weights(scores: np.ndarray | Sequence[float], k: float) -> np.ndarray:
    """Normalised weights 1 / (k N + rank), rank 0 for the highest score (ties broken by order).

    ``k = math.inf`` gives uniform weights (no pressure towards high scores); small k puts
    almost all weight on the best few.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or len(s) == 0:
        raise ValueError(f"scores must be a non-empty 1-D array, got shape {s.shape}")
    if not k > 0:
        raise ValueError(f"k must be > 0 (math.inf for uniform weights), got {k}")
    if math.isinf(k):
        return np.full(len(s), 1.0 / len(s))
    ranks = np.empty(len(s))
    ranks[np.argsort(-s, kind="stable")] = np.arange(len(s))
    w = 1.0 / (k * len(s) + ranks)
    return w / w.sum()


@dataclass
class Pool:
    """Every molecule seen so far and its oracle score."""

    smiles: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)

    def add(self, smiles: Sequence[str], scores: np.ndarray) -> None:
        seen = set(self.smiles)
        for s, v in zip(smiles, scores, strict=True):
            if s and is_valid(s) and s not in seen:
                self.smiles.append(s)
                self.scores.append(float(v))
                seen.add(s)


class weighted_batches:  # noqa: N801 (used like a function that returns a loader, as seqvae.bucket_batches)
    """``n_batches`` batches of token rows drawn with replacement with probability ``weights``, seeded.

    ``tokens`` (n, max_len) padded ids, ``weights`` (n,); each batch is trimmed to its longest
    sequence. A loader for :func:`course_utils.training.train`.
    """

    def __init__(self, tokens: torch.Tensor, weights: np.ndarray, batch_size: int, n_batches: int,
                 seed: int = 0) -> None:
        if len(weights) != len(tokens):
            raise ValueError(f"one weight per molecule: {len(weights)} weights for {len(tokens)} molecules")
        self.tokens, self.batch_size, self.n_batches = tokens, batch_size, n_batches
        self.weights = torch.as_tensor(np.asarray(weights, dtype=np.float64))
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return self.n_batches

    def __iter__(self) -> Iterator[torch.Tensor]:
        for _ in range(self.n_batches):
            idx = torch.multinomial(self.weights, self.batch_size, replacement=True, generator=self.generator)
            batch = self.tokens[idx]
            yield batch[:, : int((batch != Vocabulary.pad_id).sum(1).max())]


def weighted_finetune(model: SmilesVAE, vocab: Vocabulary, smiles: Sequence[str], weights: np.ndarray, steps: int,
                      batch_size: int = 64, lr: float = 3e-4, beta: float = 0.5, seed: int = 0) -> list[float]:
    """Fine-tune ``model`` for ``steps`` steps on batches of ``smiles`` drawn with probability ``weights``.

    Returns the per-step losses (negative ELBO per molecule). The model is left in eval mode.
    """
    if len(weights) != len(smiles):
        raise ValueError(f"one weight per molecule: {len(weights)} weights for {len(smiles)} molecules")
    loader = weighted_batches(vocab.encode_batch(list(smiles)), weights, batch_size, steps, seed)
    history = training.train(model, loader, sequence_loss, max_steps=steps, lr=lr, beta=beta, clip_grad_norm=1.0,
                             device=model.device, progress=False)
    return history.loss


def propose(model: SmilesVAE, vocab: Vocabulary, n: int, seed: int, temperature: float = 1.0) -> list[str]:
    """``n`` prior samples of the generator, decoded to SMILES (some may be invalid)."""
    return vocab.decode_batch(model.sample(n, temperature=temperature, generator=torch.Generator().manual_seed(seed)))


def summarize(proposals: Sequence[str], oracle: Oracle) -> dict[str, float]:
    """One round's report: ``validity`` of all proposals; ``mean_score`` and ``top10_score`` (mean of the
    best tenth, at least one molecule) of the oracle over the valid ones (0 when none is valid)."""
    if not proposals:
        raise ValueError("no proposals to summarize")
    valid = [s for s in proposals if s and is_valid(s)]
    if not valid:
        return {"validity": 0.0, "mean_score": 0.0, "top10_score": 0.0}
    scores = np.sort(np.asarray(oracle(valid), dtype=np.float64))[::-1]
    return {"validity": len(valid) / len(proposals), "mean_score": float(scores.mean()),
            "top10_score": float(scores[: max(1, len(scores) // 10)].mean())}


def one_round(model: SmilesVAE, vocab: Vocabulary, pool: Pool, oracle: Oracle, k: float, steps: int,
              n_propose: int, seed: int) -> tuple[list[str], dict[str, float]]:
    """One round of the loop: weight the pool by rank, fine-tune, propose, score, grow the pool.

    Uses ``seed`` for both the fine-tuning batches and the proposals; ``steps = 0`` only proposes
    (round 0). Returns the proposals and their :func:`summarize` report (plus the pool size before
    the new molecules join).
    """
    if steps > 0:
        weighted_finetune(model, vocab, pool.smiles, rank_weights(np.array(pool.scores), k), steps, seed=seed)
    proposals = propose(model, vocab, n_propose, seed=seed)
    report = {**summarize(proposals, oracle), "pool": float(len(pool.smiles))}
    valid = [s for s in proposals if s and is_valid(s)]
    if valid:
        pool.add(valid, oracle(valid))
    return proposals, report


def run_loop(model: SmilesVAE, vocab: Vocabulary, oracle: Oracle, start: Sequence[str], k: float, rounds: int,
             n_propose: int = 300, steps: int = 60, seed: int = 0) -> list[dict[str, float]]:
    """Closed loop for ``rounds`` rounds; row r reports the proposals after r rounds of retraining.

    Row 0 is the untouched generator. The pool starts with ``start`` (scored by the oracle);
    round r uses the seed ``1000 * seed + r``.
    """
    pool = Pool()
    pool.add(list(start), oracle(list(start)))
    history = []
    for r in range(rounds + 1):
        _, report = one_round(model, vocab, pool, oracle, k, steps if r else 0, n_propose, 1000 * seed + r)
        history.append({"round": r, **report})
    return history


def evaluate_design(k: float = 0.01, rounds: int = 3, n_propose: int = 200, steps: int = 30, n_start: int = 2000,
                    seeds: Sequence[int] = (0, 1, 2)) -> dict[str, float]:
    """The lab's experiment (bench, tests): QED loop with rank weights vs uniform weights, mean over seeds.

    Returns ``score_round0``, ``score_final``, ``score_uniform_final`` (mean QED of valid proposals)
    and ``validity_final``, each averaged over ``seeds``, starting every run from the shipped VAE.
    """
    from course_utils import data, seqvae

    start = data.load_molecules("train", n=n_start).smiles
    rows: dict[str, list[float]] = {"score_round0": [], "score_final": [], "score_uniform_final": [],
                                    "validity_final": []}
    for seed in seeds:
        for weight_k, name in ((k, "score_final"), (math.inf, "score_uniform_final")):
            training.seed_everything(seed)
            model, vocab = seqvae.load_pretrained("smiles_vae")
            history = run_loop(model, vocab, qed_oracle, start, weight_k, rounds, n_propose, steps, seed)
            rows[name].append(history[-1]["mean_score"])
            if name == "score_final":
                rows["score_round0"].append(history[0]["mean_score"])
                rows["validity_final"].append(history[-1]["validity"])
    return {key: float(np.mean(v)) for key, v in rows.items()}
