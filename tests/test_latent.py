"""Latent-space analysis (lab 04) checked against scipy, scikit-learn, RDKit and hand-made cases."""

import numpy as np
import pytest
import torch
from rdkit import Chem, DataStructs
from rdkit.Chem import rdFingerprintGenerator
from scipy import stats
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score as sk_r2

from course_utils import latent, seqvae, training
from course_utils.smiles import Vocabulary


@pytest.mark.parametrize("shift", [0.0, 0.3])
def test_ks_normal_matches_scipy(shift):
    x = np.random.default_rng(0).normal(shift, 1.0, 2000)
    assert latent.ks_normal(x) == pytest.approx(stats.kstest(x, "norm").statistic, abs=1e-12)


def test_ks_normal_small_sample_by_hand():
    # one point at 0: F_n jumps from 0 to 1 where Phi = 0.5, so the statistic is 0.5
    assert latent.ks_normal(np.array([0.0])) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="finite"):
        latent.ks_normal(np.array([0.0, np.nan]))


def test_ridge_matches_scikit_learn_and_r2_matches():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(300, 8))
    y = z @ rng.normal(size=8) + 2.0 + rng.normal(scale=0.5, size=300)
    for alpha in (0.0, 1.0, 30.0):
        fit = latent.ridge_fit(torch.tensor(z[:200]), torch.tensor(y[:200]), alpha)
        ref = Ridge(alpha=alpha).fit(z[:200], y[:200])
        np.testing.assert_allclose(fit.weights.numpy(), ref.coef_, atol=1e-9)
        pred = fit.predict(torch.tensor(z[200:])).numpy()
        np.testing.assert_allclose(pred, ref.predict(z[200:]), atol=1e-9)
        assert latent.ridge_r2(torch.tensor(z[:200]), torch.tensor(y[:200]), torch.tensor(z[200:]),
                               torch.tensor(y[200:]), alpha) == pytest.approx(sk_r2(y[200:], ref.predict(z[200:])))


def test_r2_of_the_mean_is_zero_and_constant_truth_is_refused():
    y = torch.tensor([1.0, 2.0, 3.0])
    assert latent.r2_score(y, torch.full((3,), 2.0)) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="undefined"):
        latent.r2_score(torch.ones(3), torch.ones(3))


def test_distance_vs_tanimoto_uses_rdkit_similarity():
    smiles = ["CCO", "CCCO", "c1ccccc1", "c1ccccc1O", "CC(=O)O", "CCN", "C1CCCCC1", "CCCl"]
    z = torch.randn(len(smiles), 4, generator=torch.Generator().manual_seed(0))
    study = latent.distance_vs_tanimoto(z, smiles, n_pairs=40, seed=3)
    i, j = latent.random_pairs(len(smiles), 40, seed=3)
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    fps = [gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in smiles]
    expected = [1 - DataStructs.TanimotoSimilarity(fps[a], fps[b]) for a, b in zip(i, j, strict=True)]
    np.testing.assert_allclose(study.tanimoto, expected, atol=1e-12)
    np.testing.assert_allclose(study.latent, np.linalg.norm(z.numpy()[i] - z.numpy()[j], axis=1), rtol=1e-6)
    assert study.spearman == pytest.approx(stats.spearmanr(study.latent, study.tanimoto).statistic)
    assert (i != j).all()


def test_path_smoothness_by_hand():
    report = latent.path_smoothness(["CCO", "OCC", "C1CC", "CCCO"])
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    fp = {s: gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in ("CCO", "CCCO")}
    assert report["validity"] == 0.75
    assert report["changes"] == 1.0  # CCO and OCC are the same molecule
    expected = (1 + DataStructs.TanimotoSimilarity(fp["CCO"], fp["CCCO"])) / 2
    assert report["mean_step_similarity"] == pytest.approx(expected)


def test_encode_means_batches_like_one_call_and_aggregate_samples():
    training.seed_everything(0)
    mols = ["CCO", "c1ccccc1", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC", "O=C(O)c1ccccc1"]
    vocab = Vocabulary.build(mols)
    model = seqvae.SmilesVAE(seqvae.SeqVAEConfig(len(vocab), embed_dim=8, encoder_hidden=8, decoder_hidden=8,
                                                 latent_dim=3)).train()
    mu, logvar = latent.encode_means(model, vocab, mols, batch_size=2)
    ref_mu, ref_logvar = model.eval().encode(vocab.encode_batch(mols))
    torch.testing.assert_close(mu, ref_mu.detach())
    torch.testing.assert_close(logvar, ref_logvar.detach())
    assert not mu.requires_grad
    # sample_posterior draws mu + sigma * eps: its standardised residuals are N(0, 1)
    big_mu, big_logvar = torch.randn(20000, 2), torch.randn(20000, 2)
    z = latent.sample_posterior(big_mu, big_logvar, seed=1)
    assert latent.ks_normal(((z - big_mu) / torch.exp(0.5 * big_logvar)).numpy()) < 0.02


# ------------------------------------------------------------------ issue #23: pins written for mutation testing
def test_ks_normal_reads_float32_samples_in_float64_and_refuses_an_empty_one():
    x = np.random.default_rng(2).normal(0.1, 1.0, 50).astype(np.float32)
    want = stats.kstest(x.astype(np.float64), "norm").statistic
    assert latent.ks_normal(x) == pytest.approx(want, abs=1e-15), "ks_normal of a float32 sample"
    assert latent.ks_normal(torch.tensor(x)) == pytest.approx(want, abs=1e-15), "ks_normal of a float32 tensor"
    with pytest.raises(ValueError, match="non-empty"):
        latent.ks_normal(np.array([]))


def test_sample_posterior_replays_its_seeded_noise():
    """z = mu + exp(logvar / 2) eps, eps = torch.randn(shape) from a generator seeded with ``seed`` (default 0)."""
    mu = torch.tensor([[0.0, 1.0, -2.0], [3.0, 0.5, 0.0]])
    logvar = torch.tensor([[0.0, -2.0, 1.0], [2.0, 0.0, -1.0]])
    for seed in (0, 7):
        eps = torch.randn(2, 3, generator=torch.Generator().manual_seed(seed))
        torch.testing.assert_close(latent.sample_posterior(mu, logvar, seed), mu + torch.exp(logvar / 2) * eps)
    eps = torch.randn(2, 3, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(latent.sample_posterior(mu, logvar), mu + torch.exp(logvar / 2) * eps)
    with pytest.raises(ValueError, match=r"^logvar must have shape \(2, 3\)"):
        latent.sample_posterior(mu, logvar[:, :2])


def test_random_pairs_are_uniform_over_ordered_pairs_of_distinct_items():
    """n = 3: the 6 ordered pairs (i, j), i != j, each with frequency 1/6 (60,000 draws: standard error 0.0015);
    n = 2 always gives (0, 1) or (1, 0); the default seed is 0."""
    i, j = latent.random_pairs(3, 60_000, seed=4)
    assert (i != j).all() and i.min() >= 0 and max(i.max(), j.max()) <= 2
    freq = np.bincount(3 * i + j, minlength=9) / 60_000
    np.testing.assert_allclose(freq[[1, 2, 3, 5, 6, 7]], 1 / 6, atol=0.007, err_msg="random_pairs frequencies")
    i, j = latent.random_pairs(2, 50)
    assert ((i + j) == 1).all() and 0 < i.sum() < 50
    assert all(np.array_equal(a, b) for a, b in zip(latent.random_pairs(9, 20), latent.random_pairs(9, 20, seed=0),
                                                    strict=True))
    with pytest.raises(ValueError, match="at least 2"):
        latent.random_pairs(1, 5)


def test_pair_distances_by_hand():
    """z rows (0, 0), (3, 4), (1, 1) in float32; fingerprints 1100, 1110, 0000: pairs (0, 1), (2, 0), (2, 2) give
    distances 5, sqrt(2) (in float64), 0 and Tanimoto distances 1 - 2/3, 1 - 0, 1 - 1 (two empty fingerprints)."""
    z = torch.tensor([[0.0, 0.0], [3.0, 4.0], [1.0, 1.0]], dtype=torch.float32)
    fps = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0]], dtype=torch.float32)
    d_z, d_t = latent.pair_distances(z, fps, np.array([0, 2, 2]), np.array([1, 0, 2]))
    assert d_z.dtype == np.float64 and d_t.dtype == np.float64
    np.testing.assert_allclose(d_z, [5, np.sqrt(2), 0], rtol=1e-15, err_msg="pair_distances latent")
    np.testing.assert_allclose(d_t, [1 / 3, 1, 0], rtol=1e-15, err_msg="pair_distances Tanimoto distance")
    with pytest.raises(ValueError, match=r"^fps must have shape \(3, \*\)"):
        latent.pair_distances(z, fps[:2], np.array([0]), np.array([1]))


def test_distance_vs_tanimoto_defaults_and_shape_check():
    smiles = ["CCO", "CCCO", "c1ccccc1", "CC(=O)O", "CCN"]
    z = torch.randn(5, 2, generator=torch.Generator().manual_seed(1))
    study = latent.distance_vs_tanimoto(z, smiles)
    i, j = latent.random_pairs(5, 5000, seed=0)
    assert len(study.latent) == 5000, f"distance_vs_tanimoto default n_pairs: expected 5000, got {len(study.latent)}"
    np.testing.assert_allclose(study.latent, np.linalg.norm(z.numpy()[i] - z.numpy()[j], axis=1), rtol=1e-6,
                               err_msg="distance_vs_tanimoto default seed 0")
    with pytest.raises(ValueError, match=r"^z must have shape \(5, \*\)"):
        latent.distance_vs_tanimoto(z[:4], smiles)


def test_ridge_defaults_float32_inputs_and_argument_checks():
    """alpha defaults to 1 (scikit-learn's Ridge(alpha=1)); float32 inputs are solved in float64; alpha < 0 and
    mismatched shapes are refused, naming the argument."""
    rng = np.random.default_rng(3)
    z = rng.normal(size=(60, 4)).astype(np.float32)
    y = (z @ np.array([1.0, -2.0, 0.5, 0.0]) + 1.5 + rng.normal(scale=0.3, size=60)).astype(np.float32)
    ref = Ridge(alpha=1.0).fit(z[:40].astype(np.float64), y[:40].astype(np.float64))
    fit = latent.ridge_fit(torch.tensor(z[:40]), torch.tensor(y[:40]))
    assert fit.weights.dtype == torch.float64
    np.testing.assert_allclose(fit.weights.numpy(), ref.coef_, rtol=1e-10, err_msg="ridge_fit default alpha")
    assert fit.y_mean == pytest.approx(float(y[:40].astype(np.float64).mean()), rel=1e-14)
    want = ref.predict(z[40:].astype(np.float64))
    got = latent.ridge_predict(z[:40], y[:40], z[40:])
    assert got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, err_msg="ridge_predict default alpha")
    assert latent.ridge_r2(torch.tensor(z[:40]), torch.tensor(y[:40]), torch.tensor(z[40:]), torch.tensor(y[40:])) \
        == pytest.approx(sk_r2(y[40:].astype(np.float64), want), rel=1e-10), "ridge_r2 default alpha"
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        latent.ridge_fit(torch.tensor(z), torch.tensor(y), alpha=-0.1)
    with pytest.raises(ValueError, match=r"^y must have shape \(60\), got \(50,\)"):
        latent.ridge_fit(torch.tensor(z), torch.tensor(y[:50]))
    with pytest.raises(ValueError, match=r"^y_pred must have shape \(3\), got \(4,\)"):
        latent.r2_score(torch.ones(3), torch.ones(4))


def test_r2_score_by_hand_in_float64():
    """y = (1, 2, 4), prediction (1, 3, 3): SS_res = 2, SS_tot = 14/3, R^2 = 1 - 3/7 = 4/7 (float32 inputs)."""
    got = latent.r2_score(torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.0, 3.0, 3.0]))
    assert got == pytest.approx(4 / 7, rel=1e-15), f"r2_score: expected 4/7, got {got}"


def test_path_smoothness_edge_cases_by_hand():
    """Fewer than 2 points is refused; fewer than 2 valid ones gives NaN similarity and 0 changes; empty strings
    count as invalid; exactly 2 valid points are enough."""
    with pytest.raises(ValueError, match="at least 2 points"):
        latent.path_smoothness(["CCO"])
    report = latent.path_smoothness(["CCO", "C1CC", "", "X"])
    assert report["validity"] == 0.25 and report["changes"] == 0.0 and np.isnan(report["mean_step_similarity"])
    report = latent.path_smoothness(["CCO", ""])
    assert report["validity"] == 0.5 and np.isnan(report["mean_step_similarity"])
    report = latent.path_smoothness(["", "CCO", "OCC"])
    assert report == {"validity": 2 / 3, "mean_step_similarity": 1.0, "changes": 0.0}, report


def test_random_pairs_replays_its_documented_draws():
    """i = rng.integers(0, n, k), then j = (i + rng.integers(1, n, k)) mod n, from numpy's default_rng(seed): a seed
    names the same pairs in every version (lab 04's results depend on it)."""
    for n, k, seed in ((7, 30, 0), (4, 12, 9)):
        rng = np.random.default_rng(seed)
        i = rng.integers(0, n, k)
        j = (i + rng.integers(1, n, k)) % n
        got = latent.random_pairs(n, k, seed)
        assert np.array_equal(got[0], i) and np.array_equal(got[1], j), f"random_pairs({n}, {k}, {seed})"


def test_ridge_fit_keeps_full_precision_with_a_large_offset_and_a_small_alpha():
    """y around 1e8 (centring y before the solve keeps the digits) and alpha = 0.1 on small centred data (alpha I
    in float64): both against scikit-learn's Ridge at rtol 1e-12."""
    rng = np.random.default_rng(5)
    z = rng.normal(size=(30, 3))
    y = 1e8 + z @ np.array([1.0, -0.5, 2.0]) + rng.normal(scale=0.1, size=30)
    np.testing.assert_allclose(latent.ridge_fit(torch.tensor(z), torch.tensor(y)).weights.numpy(),
                               Ridge(alpha=1.0).fit(z, y).coef_, rtol=1e-12, err_msg="ridge_fit with y ~ 1e8")
    z = rng.normal(scale=0.1, size=(6, 3))
    y = z @ np.array([1.0, 2.0, 3.0]) + rng.normal(scale=0.01, size=6)
    np.testing.assert_allclose(latent.ridge_fit(torch.tensor(z), torch.tensor(y), alpha=0.1).weights.numpy(),
                               Ridge(alpha=0.1).fit(z, y).coef_, rtol=1e-12, err_msg="ridge_fit with alpha 0.1")


def test_path_smoothness_of_four_different_molecules_against_rdkit():
    """Four valid, all different: 3 changes, and the mean of the 3 consecutive Tanimoto similarities from RDKit."""
    path = ["CCO", "CCCO", "CCCCO", "c1ccccc1"]
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=1024)
    fps = [gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in path]
    expected = np.mean([DataStructs.TanimotoSimilarity(fps[k], fps[k + 1]) for k in range(3)])
    report = latent.path_smoothness(path)
    assert report["changes"] == 3.0 and report["validity"] == 1.0, report
    assert report["mean_step_similarity"] == pytest.approx(expected, rel=1e-12), report
