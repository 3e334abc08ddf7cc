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
