"""Plot helpers return labelled figures (never show them); t-SNE keeps neighbourhoods."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from course_utils import plotting
from course_utils.training import TrainingHistory


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_training_curves_plot_three_smoothed_lines():
    h = TrainingHistory(step=list(range(50)), loss=list(np.linspace(10, 5, 50)),
                        reconstruction=list(np.linspace(9, 4, 50)), kl=[1.0] * 50, beta=[0.5] * 50)
    fig = plotting.plot_training_curves(h)
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["negative ELBO", "reconstruction", r"$\beta \cdot$ KL"]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_training_curves(TrainingHistory())


def test_latent_scatter_has_a_colourbar_for_the_property():
    z = torch.randn(100, 4)
    fig = plotting.plot_latent_2d(z, color=z[:, 0], label="logP", dims=(0, 2))
    assert len(fig.axes) == 2  # the scatter and its colourbar
    assert fig.axes[1].get_ylabel() == "logP"
    assert fig.axes[0].get_xlabel() == "$z_{0}$" and fig.axes[0].get_ylabel() == "$z_{2}$"
    with pytest.raises(ValueError, match="one value per point"):
        plotting.plot_latent_2d(z, color=np.zeros(99))
    with pytest.raises(ValueError, match="latent_dim > 5"):
        plotting.plot_latent_2d(z, dims=(0, 5))


def test_plot_helpers_draw_into_a_given_axis():
    fig, (a, b) = plt.subplots(1, 2)
    assert plotting.plot_latent_2d(np.random.randn(20, 2), ax=b) is fig
    assert len(b.collections) == 1 and len(a.collections) == 0


def test_tsne_keeps_well_separated_clusters_apart():
    """Two clusters 20 sd apart in 8-D stay separable after t-SNE (nearest neighbours agree)."""
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(0, 1, (60, 8)), rng.normal(20, 1, (60, 8))])
    xy = plotting.tsne_embed(z, perplexity=15, seed=0)
    assert xy.shape == (120, 2)
    labels = np.repeat([0, 1], 60)
    d = ((xy[:, None] - xy[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert (labels[d.argmin(1)] == labels).mean() == 1.0
    np.testing.assert_allclose(plotting.tsne_embed(z, perplexity=15, seed=0), xy)


def test_tsne_embed_is_scikit_learns_tsne_with_the_documented_settings():
    """Lab 04's hidden t-SNE test takes its expected value from tsne_embed: pinned here against
    scikit-learn's TSNE called directly (2-D, PCA start, the given perplexity and seed, float64 input,
    so a torch float32 tensor gives the same map), and against the map's own quality: its
    neighbourhoods are trustworthy (sklearn.manifold.trustworthiness, a rank-based score)."""
    from sklearn.manifold import TSNE, trustworthiness

    rng = np.random.default_rng(1)
    z = rng.normal(size=(70, 5)).astype(np.float32)
    for perplexity, seed in ((10.0, 0), (20.0, 3)):
        direct = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(
            z.astype(np.float64))
        ours = plotting.tsne_embed(torch.from_numpy(z), perplexity=perplexity, seed=seed)
        np.testing.assert_allclose(ours, direct, rtol=1e-6, atol=1e-6)
    assert trustworthiness(z, ours, n_neighbors=5) > 0.8


def test_plot_tsne_returns_a_coloured_figure_and_explains_small_inputs():
    z = np.random.default_rng(1).normal(size=(40, 5))
    fig = plotting.plot_tsne(z, color=z[:, 0], label="MW (g/mol)", perplexity=5)
    assert fig.axes[1].get_ylabel() == "MW (g/mol)"
    assert "t-SNE" in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="perplexity"):
        plotting.tsne_embed(z[:10], perplexity=5)


def test_plot_embedding_draws_the_given_points_and_refuses_wrong_shapes():
    xy = np.random.default_rng(2).normal(size=(30, 2))
    fig = plotting.plot_embedding(xy, color=xy[:, 0], label="logP")
    np.testing.assert_allclose(fig.axes[0].collections[0].get_offsets(), xy)
    assert fig.axes[1].get_ylabel() == "logP"
    with pytest.raises(ValueError, match=r"shape \(n, 2\), got \(30, 3\)"):
        plotting.plot_embedding(np.zeros((30, 3)))
