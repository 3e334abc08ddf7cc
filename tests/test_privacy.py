"""Lab 10 references against independent computations: SciPy's binomial pmf for Hardy-Weinberg, explicit
enumeration of allele transmissions for Mendel, empirical frequencies of simulated families."""

import itertools

import numpy as np
import pytest
import torch
from scipy import stats

from course_utils import privacy


def test_hardy_weinberg_is_the_binomial_with_two_draws():
    p = np.array([0.0, 0.05, 0.3, 0.5, 1.0])
    expected = np.stack([stats.binom.pmf(k, 2, p) for k in range(3)], -1)
    np.testing.assert_allclose(privacy.hwe_genotype_probs(p).numpy(), expected, atol=1e-12)
    with pytest.raises(ValueError, match="frequencies"):
        privacy.hwe_genotype_probs(np.array([1.2]))


def test_mendel_probabilities_match_an_enumeration_of_transmitted_alleles():
    pairs = list(itertools.product(range(3), repeat=2))
    mother = torch.tensor([[m for m, _ in pairs]])
    father = torch.tensor([[f for _, f in pairs]])
    got = privacy.mendel_probabilities(mother, father)[0].numpy()
    for i, (m, f) in enumerate(pairs):
        alleles_m = [1] * m + [0] * (2 - m)
        alleles_f = [1] * f + [0] * (2 - f)
        counts = np.zeros(3)
        for a, b in itertools.product(alleles_m, alleles_f):  # 4 equally likely transmissions
            counts[a + b] += 0.25
        np.testing.assert_allclose(got[i], counts, atol=1e-12, err_msg=f"parents {m}, {f}")
    with pytest.raises(ValueError, match="0, 1 or 2"):
        privacy.mendel_probabilities(torch.tensor([[3]]), torch.tensor([[0]]))


def test_founders_are_in_hardy_weinberg_equilibrium_with_the_stated_frequencies():
    sim = privacy.FamilySimulator(n_snps=200, block_size=20, seed=1)
    g = sim.genotypes(sim.founders(20_000, seed=2)).numpy()
    np.testing.assert_allclose(g.mean(0) / 2, sim.allele_frequencies, atol=0.015)
    observed = np.stack([(g == k).mean(0) for k in range(3)], -1)
    np.testing.assert_allclose(observed, privacy.hwe_genotype_probs(sim.allele_frequencies).numpy(), atol=0.02)
    assert (sim.allele_frequencies > 0.05).all() and (sim.allele_frequencies <= 0.5).all()


def test_linked_blocks_are_correlated_and_unlinked_variants_are_not():
    linked = privacy.FamilySimulator(n_snps=200, block_size=20, seed=3)
    g = linked.genotypes(linked.founders(5000, seed=4)).numpy().astype(float)
    corr = np.corrcoef(g, rowvar=False)
    within = np.abs(corr[:20, :20][~np.eye(20, dtype=bool)]).mean()
    between = np.abs(corr[:20, 20:40]).mean()
    assert within > 0.3 > 0.05 > between
    free = privacy.FamilySimulator(n_snps=200, linked=False, seed=3)
    gf = free.genotypes(free.founders(5000, seed=4)).numpy().astype(float)
    assert np.abs(np.corrcoef(gf, rowvar=False)[~np.eye(200, dtype=bool)]).mean() < 0.03


def test_children_follow_mendel_for_fixed_parents():
    sim = privacy.FamilySimulator(n_snps=100, block_size=10, seed=5)
    mother, father = sim.founders(1, seed=6), sim.founders(1, seed=7)
    n = 20_000
    kids = sim.children(np.repeat(mother, n, 0), np.repeat(father, n, 0), seed=8)
    # every block's first haplotype comes from the mother, the second from the father
    assert all(np.isin(kids[:, 0, b], mother[0, :, b]).all() for b in range(10))
    assert all(np.isin(kids[:, 1, b], father[0, :, b]).all() for b in range(10))
    g = sim.genotypes(kids).numpy()
    observed = np.stack([(g == k).mean(0) for k in range(3)], -1)
    expected = privacy.mendel_probabilities(sim.genotypes(mother), sim.genotypes(father))[0].numpy()
    np.testing.assert_allclose(observed, expected, atol=0.02)


def test_trios_and_simulators_are_seeded():
    a = privacy.FamilySimulator(n_snps=100, block_size=10, seed=0).trios(50, seed=1)
    b = privacy.FamilySimulator(n_snps=100, block_size=10, seed=0).trios(50, seed=1)
    assert all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(ValueError, match="multiple"):
        privacy.FamilySimulator(n_snps=101, block_size=10)


def test_population_guess_concordance_and_attack_shapes():
    p = np.array([0.1, 0.45, 0.3])
    assert privacy.population_guess(p).tolist() == [int(np.argmax(stats.binom.pmf(range(3), 2, q))) for q in p]
    assert privacy.concordance(torch.tensor([0, 1, 2]), torch.tensor([[0, 1, 1], [0, 0, 2]])) == pytest.approx(4 / 6)
    torch.manual_seed(0)
    model = privacy.GenotypeVAE(30, latent_dim=4, hidden=16)
    g = torch.randint(0, 3, (5, 30))
    guess = privacy.relatives_attack(model, [g, g])
    assert guess.shape == (5, 30) and torch.equal(guess, privacy.relatives_attack(model, [g]))
    with pytest.raises(ValueError, match="relative"):
        privacy.relatives_attack(model, [])
    loss, rec, kl = privacy.genotype_loss(model, g, beta=0.5)
    assert loss.item() == pytest.approx(rec.item() + 0.5 * kl.item(), rel=1e-6)


@pytest.mark.slow
def test_the_attack_beats_the_population_with_linkage_and_not_without():
    linked = privacy.evaluate_privacy(linked=True)
    assert linked["attack_concordance"] >= linked["baseline_concordance"] + 0.08
    assert linked["attack_concordance"] <= linked["mendel_ceiling"] + 0.01
    free = privacy.evaluate_privacy(linked=False)
    assert free["attack_concordance"] < free["baseline_concordance"] + 0.02
    assert free["baseline_concordance"] == pytest.approx(0.59, abs=0.02)
    assert free["mendel_ceiling"] == pytest.approx(0.71, abs=0.02)


def test_genotype_loss_sums_the_cross_entropy_over_variants_by_hand():
    """A decoder whose output ignores z (last layer weight 0, bias b): each variant's genotype probabilities are
    softmax(b_j), so the reconstruction is -sum_j log softmax(b_j)[g_j] per person, averaged over people,
    computed here with NumPy; the KL is the closed form of the encoder's (mu, logvar)."""
    n_snps = 7
    torch.manual_seed(0)
    model = privacy.GenotypeVAE(n_snps, latent_dim=3, hidden=16)
    bias = torch.linspace(-2.0, 2.0, 3 * n_snps)
    with torch.no_grad():
        model.decoder[-1].weight.zero_()
        model.decoder[-1].bias.copy_(bias)
    g = torch.tensor([[0, 1, 2, 0, 0, 1, 2], [2, 2, 1, 0, 1, 0, 0]])
    loss, rec, kl = privacy.genotype_loss(model, g, beta=0.4)
    b = bias.double().numpy().reshape(n_snps, 3)
    log_p = b - np.log(np.exp(b).sum(1, keepdims=True))  # (n_snps, 3)
    expected_rec = np.mean([-log_p[np.arange(n_snps), row].sum() for row in g.numpy()])
    with torch.no_grad():
        mu, logvar = (t.double().numpy() for t in model.encode(g))
    expected_kl = (0.5 * (mu ** 2 + np.exp(logvar) - 1 - logvar)).sum(1).mean()
    assert rec.item() == pytest.approx(expected_rec, rel=1e-5)
    assert kl.item() == pytest.approx(expected_kl, rel=1e-5)
    assert loss.item() == pytest.approx(expected_rec + 0.4 * expected_kl, rel=1e-5)
    # zero logits: every genotype has probability 1/3, so the reconstruction is n_snps * log 3 per person
    with torch.no_grad():
        model.decoder[-1].bias.zero_()
    assert privacy.genotype_loss(model, g)[1].item() == pytest.approx(n_snps * np.log(3), rel=1e-6)
