"""Optimisation in latent space (lab 05, second part): a property head on z, gradient ascent, Bayesian optimisation.

Gómez-Bombarelli et al. (2018) trained a property predictor on the latent code and searched the
latent space for codes it scores high, then decoded them. The danger is that the predictor is
trusted far from the data, where the decoder writes invalid or unremarkable molecules ("the
surrogate is fooled"); Griffiths & Hernández-Lobato (2020) constrain the search to where the
decoder is reliable. Here the constraint is a trust region, a ball around the origin holding most
training codes:

- head: a small MLP ``f(z)`` fitted to (mu(x), QED(x)) of labelled training molecules, frozen encoder;
- gradient ascent: ``z <- P(z + lr * grad f(z))``, P the projection onto the ball;
- Bayesian optimisation: a Gaussian process on (z, oracle score) and expected improvement
  ``EI(z) = (m - best) Phi(u) + s phi(u)``, ``u = (m - best) / s``, over candidates in the ball,
  batches chosen greedily with the "kriging believer" (each pick is added with its predicted mean);
- :func:`compare_methods`: the above beside rank-weighted retraining (Tripp et al., 2020; the loop
  of :mod:`course_utils.design`) and its uniform control (k = inf), at an equal number of oracle calls.

Shapes: z (n, latent_dim) float; scores, predictions (n,); centre (latent_dim,).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from scipy.stats import norm
from torch import nn

from course_utils.design import Oracle, Pool, qed_oracle, rank_weights, weighted_finetune
from course_utils.seqvae import SmilesVAE
from course_utils.smiles import Vocabulary

METHODS = ("bo", "gradient", "weighted", "uniform")


def project_to_ball(z: torch.Tensor, radius: float, center: torch.Tensor | None = None) -> torch.Tensor:
    """The closest point of the ball ||z - center|| <= radius to each row: z (n, d) -> (n, d).

    Rows inside are unchanged; rows outside move along the ray from ``center`` to the sphere.
    """
    if z.ndim != 2:
        raise ValueError(f"z must have shape (n, latent_dim), got {tuple(z.shape)}")
    if not radius > 0:
        raise ValueError(f"radius must be > 0, got {radius}")
    c = torch.zeros(z.shape[1], dtype=z.dtype) if center is None else center.to(z.dtype)
    if c.shape != (z.shape[1],):
        raise ValueError(f"center must have shape ({z.shape[1]},), got {tuple(c.shape)}")
    offset = z - c
    scale = torch.clamp(radius / offset.norm(dim=1, keepdim=True).clamp_min(1e-12), max=1.0)
    return c + offset * scale


def trust_radius(codes: torch.Tensor, quantile: float = 0.9) -> float:
    """The trust region's radius: the ``quantile`` of the training codes' norms ||mu_i|| (codes (n, d))."""
    if not 0 < quantile <= 1:
        raise ValueError(f"quantile must be in (0, 1], got {quantile}")
    if codes.ndim != 2 or len(codes) == 0:
        raise ValueError(f"codes must have shape (n, latent_dim) with n > 0, got {tuple(codes.shape)}")
    return float(torch.quantile(codes.double().norm(dim=1), quantile))


def fit_head(z: torch.Tensor, y: torch.Tensor, hidden: int = 64, steps: int = 300, lr: float = 1e-2,
             seed: int = 0) -> nn.Module:
    """A frozen-code property head: MLP d -> hidden -> hidden -> 1 (tanh), full-batch Adam on the MSE.

    z (n, d), y (n,). The target is standardised inside: ``head(z)`` returns (n,) in y's units.
    """
    if z.ndim != 2 or y.shape != (z.shape[0],):
        raise ValueError(f"need z (n, d) and y (n,), got {tuple(z.shape)} and {tuple(y.shape)}")
    torch.manual_seed(seed)
    zz, yy = z.float(), y.float()
    mean, std = float(yy.mean()), float(yy.std().clamp_min(1e-8))
    net = nn.Sequential(nn.Linear(z.shape[1], hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                        nn.Linear(hidden, 1))
    opt = torch.optim.Adam(net.parameters(), lr=lr, weight_decay=1e-4)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((net(zz).squeeze(1) - (yy - mean) / std) ** 2).mean()
        loss.backward()
        opt.step()

    class Head(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return net(x.float()).squeeze(1) * std + mean

    return Head().eval()


def gradient_ascent(head: Callable[[torch.Tensor], torch.Tensor], z0: torch.Tensor, radius: float,
                    steps: int = 100, lr: float = 0.1) -> torch.Tensor:
    """Projected gradient ascent on each row: z <- P(z + lr * grad head(z)), P = :func:`project_to_ball`.

    z0 (n, d) -> (n, d), every row inside the ball of ``radius`` around the origin.
    """
    if steps < 0 or not lr > 0:
        raise ValueError(f"need steps >= 0 and lr > 0, got steps={steps}, lr={lr}")
    z = project_to_ball(z0.detach().float().clone(), radius)
    for _ in range(steps):
        z.requires_grad_(True)
        (grad,) = torch.autograd.grad(head(z).sum(), z)
        z = project_to_ball((z + lr * grad).detach(), radius)
    return z.detach()


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: float, xi: float = 0.0) -> np.ndarray:
    """EI(x) = E[max(f - best - xi, 0)] for f ~ N(mean, std^2): (m - b) Phi(u) + s phi(u), u = (m - b) / s.

    mean, std (n,); std = 0 gives max(mean - b, 0), b = best + xi.
    """
    m, s = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
    if m.shape != s.shape or m.ndim != 1:
        raise ValueError(f"mean and std must be 1-D of the same shape, got {m.shape} and {s.shape}")
    if (s < 0).any():
        raise ValueError("std must be >= 0 (did you pass a variance or a log-variance?)")
    gain = m - best - xi
    safe = np.where(s > 0, s, 1.0)
    u = gain / safe
    return np.where(s > 0, gain * norm.cdf(u) + safe * norm.pdf(u), np.maximum(gain, 0.0))


def fit_gp(z: np.ndarray, y: np.ndarray, seed: int = 0):
    """scikit-learn GP: constant * Matern(5/2, one length scale) + white noise, normalised y. z (n, d), y (n,).

    Hyperparameters by maximum marginal likelihood from constant 1, length scale 3 and noise 0.1 (the
    likelihood can have several optima, so the start matters); a noise level at its lower bound (noise-free
    data) is expected, so that convergence warning is silenced.
    """
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    kernel = ConstantKernel(1.0) * Matern(length_scale=3.0, nu=2.5) + WhiteKernel(0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed).fit(z, y)


def propose_batch_ei(z: np.ndarray, y: np.ndarray, candidates: np.ndarray, q: int, seed: int = 0,
                     ei: Callable[[np.ndarray, np.ndarray, float], np.ndarray] | None = None) -> np.ndarray:
    """Indices of ``q`` distinct candidates chosen by EI, one at a time (kriging believer).

    z (n, d) observed codes, y (n,) their scores, candidates (m, d). After each pick the GP is
    refitted (kernel fixed) with the pick's predicted mean as if observed. Returns (q,) int.
    ``ei(mean, std, best)`` defaults to :func:`expected_improvement` (lab 05 passes the student's).
    """
    from sklearn.base import clone

    if z.ndim != 2 or y.shape != (len(z),) or candidates.ndim != 2 or candidates.shape[1] != z.shape[1]:
        raise ValueError(f"need z (n, d), y (n,), candidates (m, d); got {z.shape}, {y.shape}, {candidates.shape}")
    if not 0 < q <= len(candidates):
        raise ValueError(f"q must be in 1..{len(candidates)} (the number of candidates), got {q}")
    ei = expected_improvement if ei is None else ei
    gp = fit_gp(z, y, seed)
    best = float(y.max())
    zs, ys, chosen = z, y, []
    for _ in range(q):
        mean, std = gp.predict(candidates, return_std=True)
        gain = np.array(ei(mean, std, best), dtype=np.float64)
        if gain.shape != mean.shape:
            raise ValueError(f"ei(mean, std, best) must return one value per candidate, shape {mean.shape}, "
                             f"got {gain.shape}")
        gain[chosen] = -np.inf
        i = int(np.argmax(gain))
        chosen.append(i)
        zs, ys = np.vstack([zs, candidates[i:i + 1]]), np.append(ys, mean[i])
        gp = clone(gp).set_params(kernel=gp.kernel_, optimizer=None).fit(zs, ys)
    return np.array(chosen)


def _decode(model: SmilesVAE, vocab: Vocabulary, z: torch.Tensor) -> list[str]:
    """Greedy decoding of each code (the point the optimiser chose), unconstrained like design's proposals."""
    return vocab.decode_batch(model.generate(z.float(), temperature=0.0))


def _report(proposals: list[str], scores: np.ndarray, predicted: np.ndarray, high: float,
            train: set[str]) -> dict[str, float]:
    from course_utils import metrics

    top = np.sort(scores)[::-1]
    return {"best": float(top[0]), "top10_mean": float(top[:10].mean()), "validity": metrics.validity(proposals),
            "novelty": metrics.novelty(proposals, train),
            "fooled": float(np.mean((predicted >= high) & (scores < high)))}


def compare_methods(budget: int = 60, rounds: int = 2, n_labelled: int = 1000, seed: int = 0,
                    oracle: Oracle = qed_oracle, k: float = 0.01, finetune_steps: int = 10,
                    n_candidates: int = 1000, n_gp: int = 300,
                    ascent: Callable[..., torch.Tensor] | None = None,
                    ei: Callable[[np.ndarray, np.ndarray, float], np.ndarray] | None = None,
                    ) -> dict[str, dict[str, float]]:
    """The side-by-side at ``budget`` oracle calls per method, from the shipped VAE and the same labelled data.

    Every method sees the first ``n_labelled`` training molecules with their QED (free) and may
    score ``budget`` proposals, in ``rounds`` batches. ``bo``: GP-EI over candidates (labelled or
    observed codes plus N(0, 0.5^2) noise, projected into the trust ball); ``gradient``: ``budget``
    random labelled codes climbed on the head (no oracle feedback); ``weighted`` / ``uniform``:
    design's rank-weighted retraining with k / k = inf, ``finetune_steps`` steps per round
    (batches of 32), prior draws decoded at T = 1. BO and gradient decode greedily.

    Returns per method: ``best`` and ``top10_mean`` oracle score of its proposals (invalid score 0),
    ``validity``, ``novelty`` (against the whole training split) and ``fooled``: the fraction of
    proposals whose code the head scores >= the labelled 90th percentile while the oracle scores
    below it (for weighted/uniform the code is the prior draw, read by the pretrained head).

    ``ascent(head, z0, radius, steps, lr)`` and ``ei(mean, std, best)`` replace :func:`gradient_ascent`
    and :func:`expected_improvement` (lab 05 passes the student's own).
    """
    from course_utils import data, seqvae, training
    from course_utils.latent import encode_means

    if budget < 10 or rounds < 1 or budget % rounds:
        raise ValueError(f"budget must be >= 10 and a multiple of rounds >= 1, got budget={budget}, rounds={rounds}")
    if n_labelled < 20:
        raise ValueError(f"n_labelled must be >= 20, got {n_labelled}")
    q = budget // rounds
    train_set = set(data.load_molecules("train").smiles)
    labelled = data.load_molecules("train", n=n_labelled)
    y = torch.as_tensor(labelled.properties["qed"], dtype=torch.float64)
    high = float(torch.quantile(y, 0.9))
    training.seed_everything(seed)
    model, vocab = seqvae.load_pretrained("smiles_vae")
    mu, _ = encode_means(model, vocab, labelled.smiles)
    radius = trust_radius(mu)
    head = fit_head(mu, y, seed=seed)
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, float]] = {}

    def head_np(z: torch.Tensor) -> np.ndarray:
        with torch.no_grad():
            return head(z).double().numpy()

    # gradient ascent from random labelled codes
    ascent = gradient_ascent if ascent is None else ascent
    z_grad = ascent(head, mu[rng.choice(n_labelled, budget, replace=False)], radius, 100, 0.1)
    smiles = _decode(model, vocab, z_grad)
    out["gradient"] = _report(smiles, oracle(smiles), head_np(z_grad), high, train_set)

    # Bayesian optimisation
    pick = rng.choice(n_labelled, min(n_gp, n_labelled), replace=False)
    z_obs, y_obs = mu[pick].double().numpy(), y[pick].numpy()
    bo_smiles, bo_scores, bo_z = [], [], []
    for _ in range(rounds):
        base = z_obs[rng.integers(0, len(z_obs), n_candidates)]
        cand = project_to_ball(torch.from_numpy(base + 0.5 * rng.standard_normal(base.shape)), radius).numpy()
        chosen = cand[propose_batch_ei(z_obs, y_obs, cand, q, seed, ei=ei)]
        new = _decode(model, vocab, torch.from_numpy(chosen))
        scores = oracle(new)
        bo_smiles += new
        bo_scores.append(scores)
        bo_z.append(chosen)
        z_obs, y_obs = np.vstack([z_obs, chosen]), np.append(y_obs, scores)
    out["bo"] = _report(bo_smiles, np.concatenate(bo_scores), head_np(torch.from_numpy(np.vstack(bo_z))),
                        high, train_set)

    # rank-weighted retraining and its uniform control
    for name, weight_k in (("weighted", k), ("uniform", math.inf)):
        training.seed_everything(seed)
        model_r, _ = seqvae.load_pretrained("smiles_vae")
        pool = Pool()
        pool.add(labelled.smiles, labelled.properties["qed"])
        props, scores_r, zs = [], [], []
        for r in range(rounds):
            round_seed = 1000 * seed + r
            weighted_finetune(model_r, vocab, pool.smiles, rank_weights(np.array(pool.scores), weight_k),
                              finetune_steps, batch_size=32, seed=round_seed)
            gen = torch.Generator().manual_seed(round_seed)
            z = torch.randn((q, model_r.config.latent_dim), generator=gen)
            new = vocab.decode_batch(model_r.generate(z, temperature=1.0, generator=gen))
            scores = oracle(new)
            pool.add(new, scores)
            props += new
            scores_r.append(scores)
            zs.append(z)
        out[name] = _report(props, np.concatenate(scores_r), head_np(torch.cat(zs)), high, train_set)
    return {m: out[m] for m in METHODS}


def evaluate_latent_opt(seeds: Sequence[int] = (0, 1, 2), **kwargs: object) -> dict[str, float]:
    """:func:`compare_methods` over ``seeds``: ``<method>.<metric>`` (mean) and ``<method>.<metric>_std``."""
    if not seeds:
        raise ValueError("need at least one seed")
    runs = [compare_methods(seed=s, **kwargs) for s in seeds]
    out = {}
    for method in METHODS:
        for metric in runs[0][method]:
            values = np.array([r[method][metric] for r in runs])
            out[f"{method}.{metric}"] = float(values.mean())
            out[f"{method}.{metric}_std"] = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    return out
