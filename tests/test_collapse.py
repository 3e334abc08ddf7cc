"""Lab 07 references, each against an independent computation: Monte Carlo for the exact expectation,
torch.distributions for the KL, the closed form (Lucas et al. 2019) for what training finds, NumPy
quantiles for the severity direction."""

import numpy as np
import pytest
import torch
from scipy import stats

from course_utils import collapse


def test_closed_form_worked_by_hand():
    opt = collapse.linear_vae_optimum(np.array([4.0, 1.0, 0.25]), sigma2=0.5, beta=1.0)
    assert opt["active"].tolist() == [True, True, False]
    np.testing.assert_allclose(opt["w_sq"], [3.5, 0.5, 0.0])
    np.testing.assert_allclose(opt["kl"], [0.5 * np.log(8), 0.5 * np.log(2), 0.0])
    # beta scales the noise: beta = 2, sigma2 = 0.5 behaves like sigma2 = 1
    np.testing.assert_allclose(collapse.linear_vae_optimum(np.array([4.0, 1.0]), 0.5, 2.0)["w_sq"], [3.0, 0.0])
    with pytest.raises(ValueError, match="must be > 0"):
        collapse.linear_vae_optimum(np.array([1.0]), sigma2=0.0)
    with pytest.raises(ValueError, match="negative"):
        collapse.linear_vae_optimum(np.array([-1.0]), sigma2=1.0)


def test_spectrum_data_has_the_requested_covariance_and_empirical_eigenvalues_agree_with_svd():
    lam = np.array([5.0, 2.0, 0.5])
    x, basis = collapse.spectrum_data(lam, 200_000, seed=3)
    np.testing.assert_allclose(basis.T @ basis, np.eye(3), atol=1e-5)
    np.testing.assert_allclose(collapse.empirical_eigenvalues(x), lam, rtol=0.02)
    centred = x.double().numpy() - x.double().numpy().mean(0)
    svd = np.linalg.svd(centred, compute_uv=False) ** 2 / len(x)
    np.testing.assert_allclose(collapse.empirical_eigenvalues(x), svd, rtol=1e-8)
    np.testing.assert_allclose(x.mean(0).numpy(), 3.0, atol=0.02)


def test_expected_reconstruction_equals_a_monte_carlo_average():
    g = torch.Generator().manual_seed(0)
    n, d, k, sigma2 = 4, 5, 3, 0.7
    x, mu = torch.randn(n, d, generator=g, dtype=torch.float64), torch.randn(n, k, generator=g, dtype=torch.float64)
    logvar = torch.randn(k, generator=g, dtype=torch.float64) * 0.5
    w, b = torch.randn(d, k, generator=g, dtype=torch.float64), torch.randn(d, generator=g, dtype=torch.float64)
    exact = collapse.expected_reconstruction(x, mu, logvar, w, b, sigma2)
    z = mu[None] + torch.exp(0.5 * logvar) * torch.randn(400_000, n, k, generator=g, dtype=torch.float64)
    mc = ((x[None] - z @ w.T - b) ** 2).sum(-1).mean(0) / (2 * sigma2)
    torch.testing.assert_close(exact, mc, rtol=5e-3, atol=0)
    # a per-sample variance (n, k) gives the same as the shared one repeated
    torch.testing.assert_close(collapse.expected_reconstruction(x, mu, logvar.expand(n, k), w, b, sigma2), exact)
    with pytest.raises(ValueError, match="mu"):
        collapse.expected_reconstruction(x, mu[:, :2], logvar, w, b, sigma2)


def test_kl_per_latent_matches_torch_distributions():
    g = torch.Generator().manual_seed(1)
    mu, logvar = torch.randn(50, 4, generator=g, dtype=torch.float64), torch.randn(4, generator=g, dtype=torch.float64)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar).expand_as(mu))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    torch.testing.assert_close(collapse.kl_per_latent(mu, logvar), torch.distributions.kl_divergence(q, p).mean(0))


def test_exact_loss_is_the_mean_of_the_one_sample_loss():
    torch.manual_seed(0)
    x, _ = collapse.spectrum_data(np.array([3.0, 1.0, 0.2]), 256, seed=0)
    model = collapse.LinearVAE(3, 2, sigma2=0.5).double()
    x = x.double()
    exact = model.loss(x, beta=1.5)[0]
    sampled = torch.stack([model.loss(x, beta=1.5, exact=False)[0] for _ in range(4000)]).mean()
    torch.testing.assert_close(sampled, exact, rtol=2e-3, atol=0)


@pytest.mark.parametrize("beta", [1.0, 2.0])
def test_training_reaches_the_closed_form_within_5_percent(beta):
    lam = collapse.SPECTRUM[:5]
    x, _ = collapse.spectrum_data(lam, 5000, seed=1)
    for noise in collapse.sweep_noise_levels(lam)[[0, 2, 4]]:
        torch.manual_seed(0)
        model = collapse.LinearVAE(5, 5, sigma2=noise / beta)
        model.fit(x, beta)
        err = collapse.closed_form_errors(model, x, beta)
        assert err["max_rel_err"] < 0.05, err
        assert err["collapsed_max"] < 1e-3, err
        assert err["active"] == err["expected_active"], err
        assert err["g0_err"] < 0.01, "a linear decoder at z = 0 gives the data mean"


def test_the_diagonal_variance_aligns_the_decoder_with_the_principal_directions():
    lam = np.array([4.0, 2.0, 1.0])
    x, basis = collapse.spectrum_data(lam, 20_000, seed=2)
    torch.manual_seed(0)
    model = collapse.LinearVAE(3, 3, sigma2=0.5)
    model.fit(x)
    w = model.decoder.weight.detach().double()
    gram = w.T @ w
    assert (gram - torch.diag(torch.diag(gram))).abs().max() < 1e-2, "columns of W are orthogonal"
    top = w[:, gram.diag().argmax()]
    cosine = abs(float(top @ basis[:, 0].double()) / top.norm())
    assert cosine > 0.999, "the largest column is the top principal direction"


def test_sweep_noise_levels_switch_off_one_latent_at_a_time():
    levels = collapse.sweep_noise_levels(np.array([1.0, 4.0, 2.0]))
    np.testing.assert_allclose(levels, [np.sqrt(8), np.sqrt(2), 6.0])
    assert [int((np.array([4.0, 2.0, 1.0]) > v).sum()) for v in levels] == [1, 2, 0]


def test_fit_rejects_unknown_method_and_wrong_width():
    model = collapse.LinearVAE(3, 2, 1.0)
    with pytest.raises(ValueError, match="method"):
        model.fit(torch.zeros(4, 3), method="sgd")
    with pytest.raises(ValueError, match="x"):
        model.fit(torch.zeros(4, 5))
    with pytest.raises(ValueError, match="sigma2"):
        collapse.LinearVAE(3, 2, -1.0)


def test_fibrosis_images_are_seeded_bounded_and_opacity_tracks_severity():
    a, sa = collapse.fibrosis_images(200, seed=5)
    b, sb = collapse.fibrosis_images(200, seed=5)
    assert torch.equal(a, b) and torch.equal(sa, sb)
    assert a.shape == (200, collapse.IMAGE_SIZE ** 2) and a.min() >= 0 and a.max() <= 1
    assert stats.spearmanr(sa.numpy(), collapse.opacity(a).numpy()).statistic > 0.95
    assert not torch.equal(a, collapse.fibrosis_images(200, seed=6)[0])
    with pytest.raises(ValueError, match="images"):
        collapse.opacity(torch.zeros(3, 10))


def test_severity_direction_is_the_normalised_difference_of_quartile_means():
    rng = np.random.default_rng(0)
    mu = rng.normal(size=(400, 4))
    severity = mu @ np.array([1.0, -2.0, 0.0, 0.5]) + 0.1 * rng.normal(size=400)
    low, high = np.quantile(severity, [0.25, 0.75])
    diff = mu[severity >= high].mean(0) - mu[severity <= low].mean(0)
    got = collapse.severity_direction(torch.tensor(mu), torch.tensor(severity))
    np.testing.assert_allclose(got.numpy(), diff / np.linalg.norm(diff), atol=1e-12)
    # a collapsed latent (codes almost constant) does not take over the direction, unlike regression
    mu[:, 3] = 1e-4 * rng.normal(size=400)
    got = collapse.severity_direction(torch.tensor(mu), torch.tensor(severity))
    assert abs(float(got[3])) < 1e-3
    with pytest.raises(ValueError, match="severity"):
        collapse.severity_direction(torch.tensor(mu), torch.tensor(severity[:10]))
    with pytest.raises(ValueError, match="quantile"):
        collapse.severity_direction(torch.tensor(mu), torch.tensor(severity), quantile=0.7)


def test_traverse_decodes_points_on_the_line_and_spearman_reads_opacity():
    center, direction = torch.tensor([1.0, 2.0]), torch.tensor([0.6, 0.8])
    points = collapse.traverse(lambda z: z, center, direction, torch.tensor([-1.0, 0.0, 2.0]))
    torch.testing.assert_close(points, torch.tensor([[0.4, 1.2], [1.0, 2.0], [2.2, 3.6]]))
    images = torch.linspace(0, 1, 5)[:, None].expand(5, collapse.IMAGE_SIZE ** 2)
    assert collapse.traversal_spearman(torch.arange(5.0), images) == pytest.approx(1.0)
    assert collapse.traversal_spearman(-torch.arange(5.0), images) == pytest.approx(-1.0)


@pytest.mark.slow
def test_evaluate_collapse_meets_the_course_bars():
    result = collapse.evaluate_collapse()
    assert result["closed_form_max_rel_err"] < 0.05
    assert result["active_counts_match"] == 1.0
    assert result["traversal_spearman"] >= 0.9


def test_a_latent_exactly_at_the_noise_level_is_collapsed():
    """The boundary lab 07 grades: active iff lambda > beta sigma^2, strictly. Here beta sigma^2 = 2 * 0.5 = 1.0
    exactly (no rounding), so the eigenvalue 1.0 sits on the boundary and its latent is collapsed."""
    opt = collapse.linear_vae_optimum(np.array([2.0, 1.0, 0.5]), sigma2=0.5, beta=2.0)
    assert opt["active"].tolist() == [True, False, False]
    np.testing.assert_allclose(opt["w_sq"], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(opt["kl"], [0.5 * np.log(2.0), 0.0, 0.0])
    assert collapse.linear_vae_optimum(np.array([1.0]), sigma2=1.0)["active"].tolist() == [False]
