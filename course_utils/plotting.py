"""Figures the labs share: training curves, latent scatter plots and t-SNE maps.

Every helper takes ``ax=None`` (a new figure is made when omitted), returns the matplotlib
``Figure`` and never calls ``plt.show()``, so notebooks, tests and scripts can all use them.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.manifold import TSNE

from course_utils.training import TrainingHistory, moving_average

ArrayLike = np.ndarray | torch.Tensor | Sequence[float]


def _axes(ax: Axes | None, figsize: tuple[float, float] = (5.5, 4.0)) -> tuple[Figure, Axes]:
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def _numpy(x: ArrayLike) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def plot_training_curves(history: TrainingHistory, ax: Axes | None = None, window: int = 20) -> Figure:
    """Negative ELBO, reconstruction and beta*KL per step (raw faint, smoothed solid)."""
    if not history.step:
        raise ValueError("the training history is empty: train for at least one step first")
    fig, ax = _axes(ax)
    steps = np.asarray(history.step)
    weighted_kl = np.asarray(history.beta) * np.asarray(history.kl)
    for values, label, colour in [
        (history.loss, "negative ELBO", "C0"),
        (history.reconstruction, "reconstruction", "C1"),
        (weighted_kl, r"$\beta \cdot$ KL", "C2"),
    ]:
        ax.plot(steps, values, color=colour, alpha=0.25, linewidth=0.8)
        ax.plot(steps, moving_average(list(values), window), color=colour, label=label)
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("loss per sample (nats)")
    ax.set_title("Training curves")
    ax.legend()
    return fig


def _scatter(ax: Axes, xy: np.ndarray, color: ArrayLike | None, label: str) -> None:
    if color is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=6, alpha=0.7)
        return
    c = _numpy(color).astype(float)
    if c.shape != (xy.shape[0],):
        raise ValueError(f"color must have one value per point, shape ({xy.shape[0]},), got {c.shape}")
    points = ax.scatter(xy[:, 0], xy[:, 1], c=c, s=6, alpha=0.8, cmap="viridis")
    ax.figure.colorbar(points, ax=ax, label=label)


def plot_latent_2d(
    z: ArrayLike,
    color: ArrayLike | None = None,
    label: str = "property",
    dims: tuple[int, int] = (0, 1),
    ax: Axes | None = None,
) -> Figure:
    """Scatter two latent dimensions of ``z`` (n, latent_dim), coloured by a property (n,)."""
    zz = _numpy(z)
    if zz.ndim != 2 or max(dims) >= zz.shape[1]:
        raise ValueError(f"z must be (n, latent_dim) with latent_dim > {max(dims)}, got shape {zz.shape}")
    fig, ax = _axes(ax)
    _scatter(ax, zz[:, list(dims)], color, label)
    ax.set_xlabel(f"$z_{{{dims[0]}}}$")
    ax.set_ylabel(f"$z_{{{dims[1]}}}$")
    ax.set_title("Latent space" + (f", coloured by {label}" if color is not None else ""))
    return fig


def tsne_embed(z: ArrayLike, perplexity: float = 30.0, seed: int = 0) -> np.ndarray:
    """2-D t-SNE embedding of latent vectors: (n, latent_dim) -> (n, 2), PCA-initialised, seeded."""
    zz = _numpy(z).astype(np.float64)
    if zz.ndim != 2:
        raise ValueError(f"z must be (n, latent_dim), got shape {zz.shape}")
    if zz.shape[0] <= 3 * perplexity:
        raise ValueError(
            f"t-SNE needs more than 3 * perplexity = {3 * perplexity:g} points, got {zz.shape[0]}: "
            "lower the perplexity or pass more points"
        )
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(zz)


def plot_embedding(
    xy: ArrayLike,
    color: ArrayLike | None = None,
    label: str = "property",
    title: str = "t-SNE of latent means",
    ax: Axes | None = None,
) -> Figure:
    """Scatter a 2-D embedding ``xy`` (n, 2) (from t-SNE or your own), coloured by a property (n,)."""
    pts = _numpy(xy)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"xy must be a 2-D embedding of shape (n, 2), got {pts.shape}")
    fig, ax = _axes(ax)
    _scatter(ax, pts, color, label)
    ax.set_xlabel("t-SNE 1 (arbitrary units)")
    ax.set_ylabel("t-SNE 2 (arbitrary units)")
    ax.set_title(title + (f", coloured by {label}" if color is not None else ""))
    return fig


def plot_tsne(
    z: ArrayLike,
    color: ArrayLike | None = None,
    label: str = "property",
    perplexity: float = 30.0,
    seed: int = 0,
    ax: Axes | None = None,
) -> Figure:
    """t-SNE map of latent vectors ``z`` (n, latent_dim), coloured by a property (n,)."""
    return plot_embedding(tsne_embed(z, perplexity=perplexity, seed=seed), color, label, ax=ax)
