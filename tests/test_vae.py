"""Do the VAE references compute what the math says? Each check uses an independent computation."""

import math

import pytest
import torch
from torch.distributions import Normal
from torch.distributions import kl_divergence as torch_kl

from course_utils import vae


def _gaussian_params(batch=4, latent=3, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    mu = torch.randn(batch, latent, generator=g, dtype=dtype)
    logvar = 0.8 * torch.randn(batch, latent, generator=g, dtype=dtype)
    return mu, logvar


def test_kl_matches_monte_carlo_estimate_within_2_percent():
    """Does the closed-form KL agree with a 100k-sample Monte Carlo estimate of E_q[log q - log p]?"""
    mu, logvar = _gaussian_params(batch=3, latent=4)
    closed = vae.kl_divergence(mu, logvar, reduction="none")
    g = torch.Generator().manual_seed(1)
    std = torch.exp(0.5 * logvar)
    eps = torch.randn((100_000, *mu.shape), generator=g, dtype=torch.float64)
    z = mu + std * eps
    log_q = (-0.5 * eps.pow(2) - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
    log_p = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1)
    mc = (log_q - log_p).mean(0)
    assert torch.all(mc > 0), mc  # a KL is positive: the relative error below is measured against it
    assert torch.all((closed - mc).abs() / mc < 0.02), (closed, mc)


def test_kl_matches_torch_distributions_for_every_reduction():
    """Does per-sample, summed and mean KL equal torch.distributions' Gaussian KL?"""
    mu, logvar = _gaussian_params(batch=5, latent=6)
    ref = torch_kl(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum(1)
    torch.testing.assert_close(vae.kl_divergence(mu, logvar, reduction="none"), ref)
    torch.testing.assert_close(vae.kl_divergence(mu, logvar, reduction="sum"), ref.sum())
    torch.testing.assert_close(vae.kl_divergence(mu, logvar, reduction="mean"), ref.mean())


def test_kl_is_zero_at_the_prior_and_positive_elsewhere():
    zeros = torch.zeros(2, 3)
    assert vae.kl_divergence(zeros, zeros).item() == 0.0
    mu, logvar = _gaussian_params()
    assert torch.all(vae.kl_divergence(mu, logvar, reduction="none") > 0)


def test_kl_rejects_mismatched_shapes_with_a_message():
    with pytest.raises(ValueError, match=r"\(batch, latent_dim\).*\(2, 3\).*\(2, 4\)"):
        vae.kl_divergence(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="reduction"):
        vae.kl_divergence(torch.zeros(2, 3), torch.zeros(2, 3), reduction="average")


def test_reparameterize_has_the_requested_mean_and_variance():
    """Do 200k draws of z have mean mu and variance exp(logvar) (within sampling error)?"""
    mu = torch.tensor([[1.5, -2.0, 0.0]], dtype=torch.float64).expand(200_000, 3)
    logvar = torch.tensor([[0.0, math.log(4.0), math.log(0.25)]], dtype=torch.float64).expand(200_000, 3)
    z = vae.reparameterize(mu, logvar, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(z.mean(0), mu[0], atol=0.02, rtol=0)
    torch.testing.assert_close(z.var(0), logvar[0].exp(), atol=0, rtol=0.02)


def test_reparameterize_lets_gradients_reach_mu_and_logvar():
    """Is dz/dmu = 1 and dz/dlogvar = 0.5 * sigma * eps, i.e. the noise is outside the graph?"""
    mu = torch.zeros(4, 2, requires_grad=True)
    logvar = torch.zeros(4, 2, requires_grad=True)
    g = torch.Generator().manual_seed(3)
    z = vae.reparameterize(mu, logvar, generator=g)
    z.sum().backward()
    eps = torch.randn(4, 2, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(mu.grad, torch.ones(4, 2))
    torch.testing.assert_close(logvar.grad, 0.5 * eps)


def test_reparameterize_is_reproducible_with_a_generator():
    mu, logvar = _gaussian_params()
    a = vae.reparameterize(mu, logvar, generator=torch.Generator().manual_seed(5))
    b = vae.reparameterize(mu, logvar, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b)


def test_negative_elbo_bernoulli_equals_a_hand_computation():
    """One sample, two bits, one latent: compare with -[x log s(l) + (1-x) log(1-s(l))] + beta*KL by hand."""
    logits = torch.tensor([[2.0, -1.0]], dtype=torch.float64)
    x = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    mu = torch.tensor([[0.5]], dtype=torch.float64)
    logvar = torch.tensor([[math.log(2.0)]], dtype=torch.float64)
    sig = lambda t: 1.0 / (1.0 + math.exp(-t))
    rec = -(math.log(sig(2.0)) + math.log(1.0 - sig(-1.0)))
    kl = 0.5 * (0.25 + 2.0 - 1.0 - math.log(2.0))
    terms = vae.negative_elbo(logits, x, mu, logvar, likelihood="bernoulli", beta=0.5, reduction="sum")
    assert terms.reconstruction.item() == pytest.approx(rec, rel=1e-12)
    assert terms.kl.item() == pytest.approx(kl, rel=1e-12)
    assert terms.loss.item() == pytest.approx(rec + 0.5 * kl, rel=1e-12)


def test_negative_elbo_mse_and_gaussian_match_hand_and_scipy_forms():
    """MSE is the sum of squared errors; 'gaussian' is the full Normal NLL (scipy's logpdf)."""
    from scipy.stats import norm

    out = torch.tensor([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]], dtype=torch.float64)
    x = torch.tensor([[0.5, 1.0, 1.0], [1.0, 3.0, 1.0]], dtype=torch.float64)
    mu = torch.zeros(2, 2, dtype=torch.float64)
    logvar = torch.zeros(2, 2, dtype=torch.float64)
    terms = vae.negative_elbo(out, x, mu, logvar, likelihood="mse", reduction="none")
    torch.testing.assert_close(terms.reconstruction, torch.tensor([1.25, 4.0], dtype=torch.float64))
    torch.testing.assert_close(terms.kl, torch.zeros(2, dtype=torch.float64))
    nll = vae.reconstruction_loss(out, x, "gaussian", reduction="none", noise_var=0.3)
    ref = -norm.logpdf(x.numpy(), loc=out.numpy(), scale=math.sqrt(0.3)).sum(1)
    torch.testing.assert_close(nll, torch.from_numpy(ref))


def test_categorical_reconstruction_skips_padding():
    """Cross-entropy over a sequence ignores padded positions (checked with explicit log-softmax)."""
    logits = torch.randn(2, 4, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    targets = torch.tensor([[1, 2, 0, 0], [3, 3, 4, 1]])
    mask = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=torch.float64)
    logp = torch.log_softmax(logits, -1).gather(-1, targets[..., None]).squeeze(-1)
    ref = -(logp * mask).sum(1)
    padded = targets.masked_fill(mask == 0, -100)
    got = vae.reconstruction_loss(logits, padded, "categorical", reduction="none")
    torch.testing.assert_close(got, ref)


def test_reconstruction_loss_explains_bad_input():
    with pytest.raises(ValueError, match=r"\(batch, features\).*\(2, 3\).*\(2, 4\)"):
        vae.reconstruction_loss(torch.zeros(2, 3), torch.zeros(2, 4), "mse")
    with pytest.raises(ValueError, match="likelihood must be"):
        vae.reconstruction_loss(torch.zeros(2, 3), torch.zeros(2, 3), "poisson")
    with pytest.raises(ValueError, match="beta"):
        vae.negative_elbo(torch.zeros(1, 2), torch.zeros(1, 2), torch.zeros(1, 1), torch.zeros(1, 1), beta=-1)


def test_encoder_decoder_and_vae_shapes():
    torch.manual_seed(0)
    enc = vae.Encoder(10, [8, 6], 3)
    mu, logvar = enc(torch.randn(5, 10))
    assert mu.shape == logvar.shape == (5, 3)
    dec = vae.Decoder(3, [6, 8], 10)
    assert dec(mu).shape == (5, 10)
    model = vae.VAE(10, [8], 2)
    out, mu, logvar = model(torch.randn(7, 10))
    assert out.shape == (7, 10) and mu.shape == (7, 2)
    assert model.sample(4, generator=torch.Generator().manual_seed(0)).shape == (4, 10)
    assert vae.Encoder(4, [], 2)(torch.randn(3, 4))[0].shape == (3, 2)


def test_modules_name_the_expected_shape_on_bad_input():
    with pytest.raises(ValueError, match=r"encoder input x must have shape \(\*, 10\), got \(5, 9\)"):
        vae.Encoder(10, [8], 3)(torch.randn(5, 9))
    with pytest.raises(ValueError, match=r"decoder input z must have shape \(\*, 3\)"):
        vae.Decoder(3, [8], 10)(torch.randn(5))


def test_gradients_reach_the_encoder_through_z():
    """Does the reconstruction loss alone (no KL) give the encoder non-zero gradients?"""
    torch.manual_seed(0)
    model = vae.VAE(6, [5], 2)
    x = torch.rand(8, 6).round()
    out, mu, logvar = model(x)
    vae.reconstruction_loss(out, x, "bernoulli").backward()
    assert model.encoder.mu.weight.grad.abs().sum() > 0
    assert model.encoder.logvar.weight.grad.abs().sum() > 0


def test_interpolate_walks_the_straight_line_between_two_codes():
    z1, z2 = torch.tensor([0.0, 2.0]), torch.tensor([4.0, -2.0])
    path = vae.interpolate(z1, z2, 5)
    torch.testing.assert_close(path, torch.tensor([[0.0, 2.0], [1.0, 1.0], [2.0, 0.0], [3.0, -1.0], [4.0, -2.0]]))
    with pytest.raises(ValueError, match="n_steps"):
        vae.interpolate(z1, z2, 1)
    with pytest.raises(ValueError, match="one shape"):
        vae.interpolate(z1, torch.zeros(3), 4)


def test_encoder_and_decoder_compute_the_stated_layers_by_hand():
    """Encoder: ReLU(x W1 + b1) feeds both heads (a ReLU before the heads, none after them); decoder: ReLU
    between layers, none after the last (unconstrained logits). Checked with the modules' own weights."""
    torch.manual_seed(0)
    enc = vae.Encoder(5, [4], 3)
    x = torch.randn(6, 5)
    h = torch.clamp(x @ enc.body[0].weight.T + enc.body[0].bias, min=0.0)
    mu, logvar = enc(x)
    torch.testing.assert_close(mu, h @ enc.mu.weight.T + enc.mu.bias)
    torch.testing.assert_close(logvar, h @ enc.logvar.weight.T + enc.logvar.bias)
    assert (mu < 0).any() and (logvar < 0).any(), "the heads are linear: negative means and log-variances occur"
    dec = vae.Decoder(3, [4], 5)
    z = torch.randn(6, 3)
    first, last = dec.net[0], dec.net[-1]
    expected = torch.clamp(z @ first.weight.T + first.bias, min=0.0) @ last.weight.T + last.bias
    torch.testing.assert_close(dec(z), expected)
    assert (dec(z) < 0).any(), "no activation after the last layer"


def test_sample_decodes_standard_normal_draws():
    """VAE.sample feeds the decoder z ~ N(0, I): 20,000 recorded draws pass a Kolmogorov-Smirnov test against
    the standard normal (U(0, 1) or N(1, 1) draws fail it by far), and the decoder's output is returned."""
    from scipy import stats

    model = vae.VAE(4, [3], 2)
    seen = []

    class Recorder(torch.nn.Module):
        def forward(self, z):
            seen.append(z.clone())
            return z.sum(1, keepdim=True) * 2

    model.decoder = Recorder()
    out = model.sample(10_000, generator=torch.Generator().manual_seed(0))
    z = seen[0]
    assert z.shape == (10_000, 2)
    torch.testing.assert_close(out, z.sum(1, keepdim=True) * 2)
    assert stats.kstest(z.flatten().double().numpy(), "norm").pvalue > 1e-3
    assert abs(float(torch.corrcoef(z.T)[0, 1])) < 0.05, "independent latent dimensions"


def test_interpolate_in_float64_and_with_two_steps():
    """float64 codes stay float64 at every step: a + (b - a) k / 3 by hand, to 1e-9 on values of order 1000 (a
    float32 grid would be off by ~1e-5); two steps are just the end points."""
    z1 = torch.tensor([1000.0, -3000.0, 7.0], dtype=torch.float64)
    z2 = torch.tensor([-2000.0, 1000.0, 1.0], dtype=torch.float64)
    path = vae.interpolate(z1, z2, 4)
    assert path.dtype == torch.float64
    expected = torch.stack([z1 + (z2 - z1) * k / 3 for k in range(4)])
    torch.testing.assert_close(path, expected, rtol=0, atol=1e-9)
    torch.testing.assert_close(vae.interpolate(z1, z2, 2), torch.stack([z1, z2]), rtol=0, atol=0)


def test_mlp_accepts_single_unit_layers_and_refuses_empty_or_zero_sizes():
    """A one-unit layer is a valid size (a scalar head); no sizes, or a size 0, is refused."""
    net = vae.mlp([3, 1])
    assert net(torch.zeros(2, 3)).shape == (2, 1)
    assert len(vae.mlp([3, 1, 1])) == 3  # Linear, ReLU, Linear
    for bad in ([], [3, 0], [0, 2]):
        with pytest.raises(ValueError, match="positive layer sizes"):
            vae.mlp(bad)


def test_negative_elbo_defaults_are_bernoulli_beta_1_and_the_batch_mean():
    """Called with no options: the Bernoulli NLL (-x log s(l) - (1 - x) log(1 - s(l)), summed over bits), plus the
    closed-form KL (beta = 1), both averaged over the batch; beta = 0 is allowed (plain autoencoder)."""
    logits = torch.tensor([[2.0, -1.0], [0.5, 3.0], [-2.0, 0.0]], dtype=torch.float64)
    x = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0]], dtype=torch.float64)
    mu = torch.tensor([[0.5], [-1.0], [0.0]], dtype=torch.float64)
    logvar = torch.tensor([[math.log(2.0)], [0.0], [math.log(0.5)]], dtype=torch.float64)
    sig = torch.sigmoid(logits)
    rec = -(x * torch.log(sig) + (1 - x) * torch.log(1 - sig)).sum(1)
    kl = 0.5 * (mu ** 2 + logvar.exp() - 1 - logvar).sum(1)
    terms = vae.negative_elbo(logits, x, mu, logvar)
    assert terms.reconstruction.shape == ()
    torch.testing.assert_close(terms.reconstruction, rec.mean())
    torch.testing.assert_close(terms.kl, kl.mean())
    torch.testing.assert_close(terms.loss, rec.mean() + kl.mean())
    torch.testing.assert_close(vae.negative_elbo(logits, x, mu, logvar, beta=0.0).loss, rec.mean())
    per_sample = vae.reconstruction_loss(logits, x, "bernoulli", reduction="none")
    torch.testing.assert_close(per_sample, rec)


def test_negative_elbo_passes_the_likelihood_options_on():
    """noise_var reaches the Gaussian NLL (scipy's logpdf with variance 0.3), and ignore_index the categorical one
    (explicit log-softmax with the positions of class 0 masked)."""
    from scipy.stats import norm

    out = torch.tensor([[0.0, 1.0, 2.0], [1.0, 1.0, 1.0]], dtype=torch.float64)
    x = torch.tensor([[0.5, 1.0, 1.0], [1.0, 3.0, 1.0]], dtype=torch.float64)
    zeros = torch.zeros(2, 2, dtype=torch.float64)
    terms = vae.negative_elbo(out, x, zeros, zeros, likelihood="gaussian", reduction="none", noise_var=0.3)
    ref = -norm.logpdf(x.numpy(), loc=out.numpy(), scale=math.sqrt(0.3)).sum(1)
    torch.testing.assert_close(terms.reconstruction, torch.from_numpy(ref))
    default = vae.reconstruction_loss(out, x, "gaussian", reduction="none")
    torch.testing.assert_close(default, torch.from_numpy(-norm.logpdf(x.numpy(), loc=out.numpy()).sum(1)))
    logits = torch.randn(2, 4, 5, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    targets = torch.tensor([[1, 2, 0, 0], [3, 0, 4, 1]])
    logp = torch.log_softmax(logits, -1).gather(-1, targets[..., None]).squeeze(-1)
    ref = -(logp * (targets != 0)).sum(1)
    got = vae.negative_elbo(logits, targets, zeros, zeros, likelihood="categorical", reduction="none",
                            ignore_index=0)
    torch.testing.assert_close(got.reconstruction, ref)
    torch.testing.assert_close(vae.reconstruction_loss(logits, targets, "categorical", reduction="none",
                                                       ignore_index=0), ref)


def test_reconstruction_loss_names_the_bad_argument():
    """Categorical: logits of another batch size are blamed on the output, class ids of the wrong shape (a 0-d
    tensor too) on x; a Gaussian needs noise_var > 0 (0 is refused)."""
    with pytest.raises(ValueError, match=r"^output \(logits\) must have shape \(3, \*, \*\)"):
        vae.reconstruction_loss(torch.zeros(2, 4, 5), torch.zeros(3, 4, dtype=torch.long), "categorical")
    with pytest.raises(ValueError, match=r"^x \(class ids\) must have shape \(2, 4\)"):
        vae.reconstruction_loss(torch.zeros(2, 4, 5), torch.zeros(2, 3, dtype=torch.long), "categorical")
    with pytest.raises(ValueError, match=r"^x \(class ids\) must have shape"):
        vae.reconstruction_loss(torch.zeros(2, 4, 5), torch.tensor(3), "categorical")
    with pytest.raises(ValueError, match="noise_var"):
        vae.reconstruction_loss(torch.zeros(2, 3), torch.zeros(2, 3), "gaussian", noise_var=0.0)


def test_reparameterize_draws_its_noise_in_the_dtype_of_mu():
    """float64 parameters: z = mu + exp(logvar / 2) * eps with eps = torch.randn(..., dtype=float64) from the same
    seeded generator, exactly."""
    mu, logvar = _gaussian_params(batch=5, latent=3)
    z = vae.reparameterize(mu, logvar, generator=torch.Generator().manual_seed(2))
    eps = torch.randn(mu.shape, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    assert z.dtype == torch.float64
    torch.testing.assert_close(z, mu + torch.exp(0.5 * logvar) * eps, rtol=0, atol=1e-15)
