"""Negative-binomial likelihood, calibrated thresholds and AUROC, against scipy, torch and scikit-learn."""

import math

import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.metrics import roc_auc_score

from course_utils import anomaly


def test_nb_log_prob_equals_scipy_nbinom_in_float64():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 500, 2000).astype(float)
    mu = rng.uniform(0.01, 300, 2000)
    theta = rng.uniform(0.05, 50, 2000)
    got = anomaly.nb_log_prob(torch.tensor(x), torch.tensor(mu), torch.tensor(theta), eps=0.0).numpy()
    expected = stats.nbinom.logpmf(x, n=theta, p=theta / (theta + mu))
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=0)


def test_nb_log_prob_equals_torch_distributions():
    x = torch.tensor([0.0, 1.0, 7.0, 120.0], dtype=torch.float64)
    mu = torch.tensor([0.5, 2.0, 7.0, 100.0], dtype=torch.float64)
    theta = torch.tensor([1.0, 3.0, 0.2, 20.0], dtype=torch.float64)
    # torch's NegativeBinomial(total_count, logits) has mean total_count * exp(logits)
    ref = torch.distributions.NegativeBinomial(total_count=theta, logits=torch.log(mu / theta)).log_prob(x)
    torch.testing.assert_close(anomaly.nb_log_prob(x, mu, theta, eps=0.0), ref)


def test_nb_log_prob_is_finite_for_huge_counts_and_tiny_means_and_refuses_negative_counts():
    out = anomaly.nb_log_prob(torch.tensor([1e6, 0.0]), torch.tensor([1e-9, 1e-9]), torch.tensor([2.0, 2.0]))
    assert torch.isfinite(out).all()
    with pytest.raises(ValueError, match="non-negative"):
        anomaly.nb_log_prob(torch.tensor([-1.0]), torch.tensor([1.0]), torch.tensor([1.0]))


@pytest.mark.parametrize("alpha", [0.05, 0.1])
def test_conformal_threshold_is_the_right_order_statistic_and_controls_the_false_positive_rate(alpha):
    assert anomaly.conformal_threshold(np.arange(1.0, 20.0), 0.1) == 18.0  # ceil(20 * 0.9) = 18th of 19
    rng = np.random.default_rng(1)
    fprs = []
    for _ in range(300):  # many calibrations of n = 99: the average FPR is at most alpha
        thr = anomaly.conformal_threshold(rng.normal(size=99), alpha)
        fprs.append((rng.normal(size=2000) > thr).mean())
    assert np.mean(fprs) <= alpha + 3 * np.std(fprs) / math.sqrt(len(fprs))
    with pytest.raises(ValueError, match="too few"):
        anomaly.conformal_threshold(np.arange(10.0), 0.05)


def test_auroc_matches_scikit_learn_with_ties():
    rng = np.random.default_rng(2)
    h, a = rng.integers(0, 10, 300), rng.integers(3, 14, 200)
    expected = roc_auc_score(np.r_[np.zeros(300), np.ones(200)], np.r_[h, a])
    assert anomaly.auroc(h, a) == pytest.approx(expected)
    assert anomaly.auroc([0, 1], [2, 3]) == 1.0 and anomaly.auroc([1.0], [1.0]) == 0.5


def test_simulator_is_seeded_and_overdispersed_and_shifts_only_its_genes():
    sim = anomaly.CountSimulator(n_genes=50, n_shifted=5, fold=4.0, seed=3)
    a, b = sim.healthy(400, seed=1), sim.healthy(400, seed=1)
    assert torch.equal(a.counts, b.counts)
    assert not torch.equal(a.counts, sim.healthy(400, seed=2).counts)
    x = a.counts
    assert (x.var(0) > x.mean(0))[x.mean(0) > 1].all(), "NB counts are over-dispersed"
    mu_h, _ = sim.means(1, False, np.random.default_rng(0))
    mu_a, _ = sim.means(1, True, np.random.default_rng(0))
    ratio = np.log(mu_a / mu_h)[0]  # the softmax renormalises: unshifted genes share one common ratio
    changed = np.flatnonzero(~np.isclose(ratio, np.median(ratio)))
    np.testing.assert_array_equal(changed, sim.shifted)


def test_nb_deviance_is_zero_for_a_perfect_fit_and_matches_scipy():
    x = torch.tensor([[0.0, 3.0, 40.0]], dtype=torch.float64)
    theta = torch.tensor([2.0, 5.0, 1.5], dtype=torch.float64)
    assert anomaly.nb_deviance(x, x, theta).item() == pytest.approx(0.0, abs=1e-6)
    mu = torch.tensor([[1.0, 3.5, 20.0]], dtype=torch.float64)
    xs, ms, ts = x.numpy()[0], mu.numpy()[0], theta.numpy()
    saturated = stats.nbinom.logpmf(xs, ts, ts / (ts + np.maximum(xs, 1e-300)))  # mu = x (x = 0: p = 1)
    expected = 2 * (saturated - stats.nbinom.logpmf(xs, ts, ts / (ts + ms)))
    assert anomaly.nb_deviance(x, mu, theta).item() == pytest.approx(expected.sum(), abs=1e-5)


@pytest.mark.slow
def test_nb_vae_deviance_finds_anomalies_at_a_calibrated_false_positive_rate():
    """The lab's claim: AUROC >= 0.9 and above an MSE VAE; FPR on fresh healthy cells within its binomial bound."""
    report = anomaly.evaluate_detection()
    assert report["fpr"] <= report["fpr_bound"], report
    assert report["auroc_nb"] >= 0.9 and report["auroc_nb"] > report["auroc_mse"], report


def test_normalise_counts_and_its_error():
    x = torch.tensor([[1.0, 3.0], [5.0, 5.0]])
    torch.testing.assert_close(anomaly.normalise_counts(x, 10.0), torch.tensor([[2.5, 7.5], [5.0, 5.0]]))
    with pytest.raises(ValueError, match="zero total"):
        anomaly.normalise_counts(torch.zeros(1, 3))


def test_conformal_threshold_uses_the_n_plus_1_correction_on_hand_worked_cases():
    """ceil((n + 1)(1 - alpha)) differs from ceil(n (1 - alpha)) here: n = 10, alpha = 0.1 -> the 10th smallest
    (not the 9th); n = 10, alpha = 0.25 -> ceil(8.25) = 9th (not ceil(7.5) = 8th)."""
    scores = np.arange(1.0, 11.0)[::-1].copy()  # 10, 9, ..., 1: the order of the input does not matter
    assert anomaly.conformal_threshold(scores, 0.1) == 10.0
    assert anomaly.conformal_threshold(scores, 0.25) == 9.0
    assert anomaly.conformal_threshold(np.arange(1.0, 10.0), 0.1) == 9.0  # n = 9: ceil(9.0) = 9, the largest
    with pytest.raises(ValueError, match="too few"):
        anomaly.conformal_threshold(np.arange(1.0, 9.0), 0.1)  # n = 8: ceil(8.1) = 9 > 8


def _nb_model_with_a_known_decoder(n_genes: int, seed: int) -> anomaly.NBVAE:
    """An NBVAE whose decoder ignores z (last layer weight 0): every cell's NB mean is library * softmax(bias)."""
    torch.manual_seed(seed)
    model = anomaly.NBVAE(n_genes, hidden=16, latent_dim=3)
    with torch.no_grad():
        model.decoder[-1].weight.zero_()
        model.decoder[-1].bias.copy_(torch.linspace(-1.0, 1.0, n_genes))
        model.log_theta.copy_(torch.linspace(-0.5, 1.5, n_genes))
    return model


def test_nb_elbo_loss_equals_scipy_nbinom_and_the_closed_form_kl():
    model = _nb_model_with_a_known_decoder(6, seed=0)
    x = torch.tensor([[0.0, 3.0, 10.0, 1.0, 0.0, 7.0], [2.0, 0.0, 5.0, 4.0, 1.0, 0.0], [9.0, 1.0, 0.0, 0.0, 3.0, 2.0]])
    terms = anomaly.nb_elbo_loss(model, (x,), beta=0.7)
    xs = x.numpy().astype(float)
    bias, theta = np.linspace(-1.0, 1.0, 6), np.exp(np.linspace(-0.5, 1.5, 6))
    mu = xs.sum(1, keepdims=True) * np.exp(bias) / np.exp(bias).sum()
    rec = -stats.nbinom.logpmf(xs, theta, theta / (theta + mu)).sum(1).mean()  # sum over genes, mean over cells
    with torch.no_grad():
        z_mu, z_logvar = (t.double().numpy() for t in model.encode(x))
    kl = (0.5 * (z_mu ** 2 + np.exp(z_logvar) - 1 - z_logvar)).sum(1).mean()
    assert terms.reconstruction.item() == pytest.approx(rec, rel=1e-4)
    assert terms.kl.item() == pytest.approx(kl, rel=1e-4)
    assert terms.loss.item() == pytest.approx(rec + 0.7 * kl, rel=1e-4)
    assert anomaly.nb_elbo_loss(model, x, beta=0.7).reconstruction.item() == pytest.approx(rec, rel=1e-4)


def test_nb_score_is_the_deviance_of_the_reconstruction_from_the_posterior_mean():
    """With a decoder that reads z, a sampled z gives another score: the reference decodes the mean z, so the
    score is deterministic and equals the NB deviance (scipy) of library * softmax(decoder(mu))."""
    torch.manual_seed(1)
    model = anomaly.NBVAE(8, hidden=16, latent_dim=3)
    with torch.no_grad():
        model.to_logvar.bias.fill_(1.0)  # a wide posterior: a sample lands far from its mean
        model.log_theta.copy_(torch.linspace(-1.0, 1.0, 8))
    sim = anomaly.CountSimulator(n_genes=8, n_shifted=0, library_log_mean=math.log(200.0), seed=2)
    x = sim.healthy(5, seed=3).counts
    model.train()
    score = anomaly.nb_score(model, x)
    assert model.training, "nb_score puts the model back in the mode it found"
    with torch.no_grad():
        z_mu = model.to_mu(model.encoder(torch.log1p(x)))
        mu = (x.sum(1, keepdim=True) * torch.softmax(model.decoder(z_mu), 1)).double().numpy()
    xs, theta = x.double().numpy(), np.exp(np.linspace(-1.0, 1.0, 8))
    saturated = stats.nbinom.logpmf(xs, theta, theta / (theta + np.maximum(xs, 1e-300)))
    expected = 2 * (saturated - stats.nbinom.logpmf(xs, theta, theta / (theta + mu))).sum(1)
    np.testing.assert_allclose(score.double().numpy(), expected, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(anomaly.nb_score(model, x), score, rtol=0, atol=0)


def test_nb_log_prob_eps_guard_keeps_a_zero_mean_and_a_tiny_theta_finite():
    """A zero mean is the point mass at 0 (log-pmf 0 at x = 0); with theta far below eps the pmf at 0 is
    (theta / (theta + mu))^theta ~ 1 (log ~ 0, scipy). The default eps = 1e-8 must keep both finite."""
    x, tiny = torch.tensor([0.0, 0.0]), torch.tensor([1e-9, 1e-9])
    out = anomaly.nb_log_prob(x, torch.tensor([0.0, 1.0]), tiny)
    assert torch.isfinite(out).all()
    expected = stats.nbinom.logpmf([0, 0], n=1e-9, p=[1.0, 1e-9 / (1e-9 + 1.0)])
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-6)


def test_nb_deviance_sums_over_the_last_axis_of_a_3d_batch():
    """(2, 3, 4) counts: one deviance per (i, j), the sum over the 4 genes of 2 (log NB(x; x) - log NB(x; mu)),
    from scipy."""
    rng = np.random.default_rng(4)
    x = rng.integers(1, 30, (2, 3, 4)).astype(float)
    mu = rng.uniform(0.5, 30, (2, 3, 4))
    theta = np.array([0.5, 1.0, 4.0, 9.0])
    got = anomaly.nb_deviance(torch.tensor(x), torch.tensor(mu), torch.tensor(theta))
    logpmf = lambda m: stats.nbinom.logpmf(x, theta, theta / (theta + m))
    expected = 2 * (logpmf(x) - logpmf(mu)).sum(-1)
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_auroc_and_conformal_threshold_refuse_empty_inputs_and_bad_alpha():
    """Either side empty has no AUROC; alpha must lie strictly inside (0, 1)."""
    for h, a in (([], [1.0]), ([1.0], []), ([], [])):
        with pytest.raises(ValueError, match="at least one"):
            anomaly.auroc(h, a)
    for alpha in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(ValueError, match="alpha must be in"):
            anomaly.conformal_threshold(np.arange(100.0), alpha)


def test_normalise_counts_default_target_and_small_totals():
    """Rows rescaled to sum 2000 by default (hand-worked); a total of 1 or 0.5 is a valid (positive) total."""
    x = torch.tensor([[1.0, 3.0], [1.0, 0.0], [0.25, 0.25]])
    torch.testing.assert_close(anomaly.normalise_counts(x), torch.tensor([[500.0, 1500.0], [2000.0, 0.0],
                                                                         [1000.0, 1000.0]]))


def test_simulator_defaults_are_those_of_its_signature():
    """The default simulator: 200 genes, 4 programmes, theta 5, libraries LogNormal(log 2000, 0.3), 30 genes shifted
    3-fold, seed 0 (the same simulator as an explicit seed=0)."""
    sim, explicit = anomaly.CountSimulator(), anomaly.CountSimulator(seed=0)
    assert sim.n_genes == 200 and sim.loadings.shape == (200, 4) and sim.theta == 5.0
    assert sim.library_log_mean == pytest.approx(math.log(2000.0)) and sim.library_log_sd == 0.3
    assert len(sim.shifted) == 30
    np.testing.assert_allclose(np.abs(sim.log_shift[sim.shifted]), math.log(3.0))
    np.testing.assert_array_equal(sim.log_base, explicit.log_base)
    np.testing.assert_array_equal(sim.shifted, explicit.shifted)


def test_simulator_parameters_follow_their_documented_distributions():
    """Base means ~ Gamma(0.6, 1) (+1e-3 before the log) and loadings ~ N(0, 0.6^2): Kolmogorov-Smirnov against
    scipy's distributions on 4000 genes; shifted genes: log-fold exactly +-log(fold), both directions, sorted,
    distinct, zero elsewhere. Same seed, same simulator; another seed, another one."""
    sim = anomaly.CountSimulator(n_genes=4000, n_shifted=400, seed=5)
    base = np.exp(sim.log_base) - 1e-3
    assert base.shape == (4000,)
    assert stats.kstest(base, stats.gamma(0.6).cdf).pvalue > 1e-3
    assert stats.kstest(base, stats.gamma(1.0).cdf).pvalue < 1e-6  # the test can tell the shape apart
    assert sim.loadings.shape == (4000, 4)
    assert stats.kstest(sim.loadings.ravel(), stats.norm(0, 0.6).cdf).pvalue > 1e-3
    assert len(np.unique(sim.shifted)) == 400 and (np.diff(sim.shifted) > 0).all()
    shift = sim.log_shift[sim.shifted]
    np.testing.assert_allclose(np.abs(shift), math.log(3.0))
    assert 0.4 < (shift > 0).mean() < 0.6
    assert np.count_nonzero(sim.log_shift) == 400
    again = anomaly.CountSimulator(n_genes=4000, n_shifted=400, seed=5)
    np.testing.assert_array_equal(sim.log_base, again.log_base)
    np.testing.assert_array_equal(sim.loadings, again.loadings)
    assert not np.array_equal(sim.log_base, anomaly.CountSimulator(n_genes=4000, n_shifted=400, seed=6).log_base)


def test_simulator_accepts_every_gene_shifted_and_refuses_more():
    """0 <= n_shifted <= n_genes: all 6 of 6 genes shifted is allowed; 7 or -1 is not."""
    np.testing.assert_array_equal(anomaly.CountSimulator(n_genes=6, n_shifted=6).shifted, np.arange(6))
    for bad in (7, -1):
        with pytest.raises(ValueError, match="n_shifted"):
            anomaly.CountSimulator(n_genes=6, n_shifted=bad)


def _means_from_the_docstring(sim, n, anomalous, seed):
    """mu = l * softmax(log(base) + A h (+ shift)), h ~ N(0, I_k) the generator's first (n, k) normals and
    l = exp(m + s * eps) with eps its next n normals; softmax from scipy (stable)."""
    from scipy.special import softmax

    rng = np.random.default_rng(seed)
    h = rng.normal(size=(n, sim.loadings.shape[1]))
    logits = sim.log_base + h @ sim.loadings.T + (sim.log_shift if anomalous else 0.0)
    library = np.exp(sim.library_log_mean + sim.library_log_sd * rng.normal(size=n))
    return library[:, None] * softmax(logits, axis=1), library


@pytest.mark.parametrize("loading", [0.6, 2000.0])
def test_simulator_means_equal_the_documented_formula(loading):
    """CountSimulator.means against the class docstring's formula (scipy's softmax); loading = 2000 makes logits of
    thousands, far apart between cells, which only a per-row stable softmax keeps finite."""
    sim = anomaly.CountSimulator(n_genes=12, n_shifted=3, loading=loading, seed=2)
    for anomalous in (False, True):
        mu, library = sim.means(5, anomalous, np.random.default_rng(9))
        exp_mu, exp_library = _means_from_the_docstring(sim, 5, anomalous, 9)
        assert np.isfinite(mu).all()
        np.testing.assert_allclose(mu, exp_mu, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(library, exp_library, rtol=1e-12)
        np.testing.assert_allclose(mu.sum(1), library, rtol=1e-9)


def test_simulated_cells_carry_their_library_sizes_and_only_anomalous_cells_are_shifted():
    """Library sizes: float32 (n,), the NB mean of each cell's total count (mean ratio ~ 1, strongly correlated).
    Shifted genes: empty (integer) for healthy cells, the simulator's for anomalous ones; the mean proportion of
    a shifted gene moves by about its fold (the sign of its log-shift), the others barely move."""
    sim = anomaly.CountSimulator(n_genes=20, n_shifted=4, fold=4.0, seed=1)
    h, a = sim.healthy(3000, seed=0), sim.anomalous(3000, seed=0)
    for d in (h, a):
        assert d.counts.dtype == torch.float32 and d.counts.shape == (3000, 20)
        assert d.library.dtype == torch.float32 and d.library.shape == (3000,)
        total = d.counts.sum(1).double().numpy()
        assert (total / d.library.double().numpy()).mean() == pytest.approx(1.0, abs=0.03)
        assert np.corrcoef(total, d.library.numpy())[0, 1] > 0.6
    assert h.shifted_genes.size == 0 and h.shifted_genes.dtype.kind == "i"
    np.testing.assert_array_equal(a.shifted_genes, sim.shifted)
    prop = lambda d: (d.counts / d.counts.sum(1, keepdim=True)).mean(0).double().numpy()
    log_ratio = np.log(prop(a) / prop(h))
    log_ratio -= np.median(log_ratio)
    others = np.setdiff1d(np.arange(20), sim.shifted)
    assert np.abs(log_ratio[others]).max() < 0.35
    assert (np.sign(log_ratio[sim.shifted]) == np.sign(sim.log_shift[sim.shifted])).all()
    assert (np.abs(log_ratio[sim.shifted]) > 0.7).all()


def test_nb_vae_layers_computed_by_hand():
    """Defaults hidden = 128, latent_dim = 8; encode = linear heads on ReLU(W log1p(x) + b), decode = library *
    softmax(W2 ReLU(W1 z + b1) + b2), each recomputed from the layer weights; a wrong gene count is refused by
    name ("counts")."""
    torch.manual_seed(0)
    model = anomaly.NBVAE(7)
    assert model.latent_dim == 8 and model.to_mu.in_features == 128 and model.to_mu.out_features == 8
    x = torch.tensor([[0.0, 3.0, 1.0, 9.0, 2.0, 0.0, 5.0], [4.0, 1.0, 0.0, 0.0, 7.0, 2.0, 1.0]])
    lin = model.encoder[0]
    with torch.no_grad():
        hidden = torch.relu(torch.log1p(x) @ lin.weight.T + lin.bias)
        z_mu, z_logvar = model.encode(x)
        torch.testing.assert_close(z_mu, hidden @ model.to_mu.weight.T + model.to_mu.bias)
        torch.testing.assert_close(z_logvar, hidden @ model.to_logvar.weight.T + model.to_logvar.bias)
        z, library = torch.randn(2, 8), torch.tensor([10.0, 30.0])
        first, last = model.decoder[0][0], model.decoder[1]
        logits = torch.relu(z @ first.weight.T + first.bias) @ last.weight.T + last.bias
        torch.testing.assert_close(model.decode(z, library), library[:, None] * torch.softmax(logits, 1))
    with pytest.raises(ValueError, match="^counts must have shape"):
        model.encode(torch.zeros(2, 6))


def _np_mlp(layers: torch.nn.Sequential, h: np.ndarray) -> np.ndarray:
    """A Sequential of Linear and ReLU layers evaluated in float64 NumPy from its weights."""
    for layer in layers:
        if isinstance(layer, torch.nn.Linear):
            h = h @ layer.weight.detach().double().numpy().T + layer.bias.detach().double().numpy()
        elif isinstance(layer, torch.nn.ReLU):
            h = np.maximum(h, 0.0)
        elif isinstance(layer, torch.nn.Sequential):
            h = _np_mlp(layer, h)
        else:
            raise AssertionError(f"unexpected layer {layer}")
    return h


def test_nb_elbo_loss_decodes_a_sampled_code_drawn_from_the_posterior():
    """With a decoder that reads z (lab 06's hidden test uses such a model), the reconstruction term is the SciPy
    NB log-likelihood of the counts under library * softmax(decoder(z)), z = z_mu + exp(z_logvar / 2) eps, eps the
    first standard-normal draw after the seed; the decoder and the softmax are written out in NumPy."""
    torch.manual_seed(3)
    model = anomaly.NBVAE(6, hidden=16, latent_dim=3)
    with torch.no_grad():
        model.log_theta.copy_(torch.linspace(-0.5, 1.5, 6))
        model.decoder[-1].weight.mul_(4.0)  # make z matter: a z-blind reference would miss by far
    x = torch.tensor([[0.0, 3.0, 10.0, 1.0, 0.0, 7.0], [2.0, 0.0, 5.0, 4.0, 1.0, 0.0], [9.0, 1.0, 0.0, 0.0, 3.0, 2.0]])
    torch.manual_seed(11)
    terms = anomaly.nb_elbo_loss(model, x, beta=0.3)
    torch.manual_seed(11)
    with torch.no_grad():
        z_mu, z_logvar = (t.double().numpy() for t in model.encode(x))
    eps = torch.randn(3, 3).double().numpy()
    z = z_mu + np.exp(z_logvar / 2) * eps
    logits = _np_mlp(model.decoder, z)
    xs = x.numpy().astype(float)
    mu = xs.sum(1, keepdims=True) * np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    theta = np.exp(np.linspace(-0.5, 1.5, 6))
    rec = -stats.nbinom.logpmf(xs, theta, theta / (theta + mu)).sum(1).mean()
    kl = (0.5 * (z_mu ** 2 + np.exp(z_logvar) - 1 - z_logvar)).sum(1).mean()
    assert terms.reconstruction.item() == pytest.approx(rec, rel=1e-4)
    assert terms.loss.item() == pytest.approx(rec + 0.3 * kl, rel=1e-4)
    # the posterior mean instead of a draw gives another number: the test can tell them apart
    logits_mean = _np_mlp(model.decoder, z_mu)
    mu_mean = xs.sum(1, keepdims=True) * np.exp(logits_mean) / np.exp(logits_mean).sum(1, keepdims=True)
    rec_mean = -stats.nbinom.logpmf(xs, theta, theta / (theta + mu_mean)).sum(1).mean()
    assert abs(rec_mean - rec) > 1e-2
