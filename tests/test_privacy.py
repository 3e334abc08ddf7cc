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


def test_hardy_weinberg_keeps_float64_and_broadcasts_over_leading_axes():
    """A float32 (or integer) frequency is computed in float64; a (populations, variants) array gives
    (populations, variants, 3) probabilities, each the binomial pmf (scipy); the most likely genotype of each is
    the argmax of scipy's pmf."""
    p32 = torch.tensor([0.3, 0.07], dtype=torch.float32)
    got = privacy.hwe_genotype_probs(p32)
    assert got.dtype == torch.float64
    exact = p32.double().numpy()
    expected = np.stack([stats.binom.pmf(k, 2, exact) for k in range(3)], -1)
    np.testing.assert_allclose(got.numpy(), expected, rtol=0, atol=1e-15)
    assert privacy.hwe_genotype_probs([0, 1]).dtype == torch.float64
    p = np.array([[0.1, 0.45, 0.3], [0.6, 0.9, 0.55]])
    expected = np.stack([stats.binom.pmf(k, 2, p) for k in range(3)], -1)
    got = privacy.hwe_genotype_probs(p)
    assert got.shape == (2, 3, 3)
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-12)
    assert privacy.population_guess(p).tolist() == expected.argmax(-1).tolist()


def test_mendel_probabilities_name_the_parent_with_bad_genotypes():
    """The error says which parent's genotypes are wrong."""
    ok, bad = torch.tensor([[0, 1]]), torch.tensor([[0, 3]])
    with pytest.raises(ValueError, match="^mother: genotypes must be"):
        privacy.mendel_probabilities(bad, ok)
    with pytest.raises(ValueError, match="^father: genotypes must be"):
        privacy.mendel_probabilities(ok, bad)
    with pytest.raises(ValueError, match=r"^father: expected genotypes of shape \(n, n_snps\)"):
        privacy.mendel_probabilities(ok, torch.tensor([0, 1]))


def test_concordance_scores_against_the_truth_shape():
    """Hand count; a guess for one person is compared with every person, but a guess for two people cannot be
    scored against one."""
    assert privacy.concordance(torch.tensor([[0, 1], [2, 2]]), torch.tensor([[0, 2], [2, 2]])) == 0.75
    with pytest.raises(RuntimeError):
        privacy.concordance(torch.tensor([[0, 1, 2], [0, 1, 2]]), torch.tensor([0, 1, 2]))


def test_unlinked_simulator_has_independent_biallelic_variants_in_hardy_weinberg():
    """linked=False: one variant per block, two integer haplotypes (alleles 0 and 1), p ~ U(0.05, 0.5)
    (Kolmogorov-Smirnov against scipy's uniform); founders' genotypes are 0, 1 or 2 with the HWE frequencies."""
    sim = privacy.FamilySimulator(n_snps=200, linked=False, seed=2)
    assert sim.block_size == 1 and sim.n_haplotypes == 2 and sim.n_blocks == 200
    assert sim.haplotypes.dtype.kind == "i"
    np.testing.assert_array_equal(sim.haplotypes[:, :, 0], np.tile([0, 1], (200, 1)))
    p = sim.allele_frequencies
    assert stats.kstest(p, stats.uniform(0.05, 0.45).cdf).pvalue > 1e-3
    g = sim.genotypes(sim.founders(5000, seed=3)).numpy()
    assert g.dtype == np.int64 and set(np.unique(g)) == {0, 1, 2}
    np.testing.assert_allclose(g.mean(0) / 2, p, atol=0.025)  # 4 standard errors at 5000 people


def test_linked_haplotype_frequencies_are_dirichlet_3():
    """pi_b ~ Dirichlet(3, 3, 3, 3): each frequency is Beta(3, 9) (Kolmogorov-Smirnov against scipy, 3000 blocks of
    one variant); Beta(4, 12), a Dirichlet(4, ...) marginal with the same mean, is told apart. Haplotypes are
    integer 0/1 and every minor allele frequency lies in (0.05, 0.5]."""
    sim = privacy.FamilySimulator(n_snps=3000, block_size=1, seed=4)
    pi = sim.pi.ravel()
    assert stats.kstest(pi, stats.beta(3, 9).cdf).pvalue > 1e-3
    assert stats.kstest(pi, stats.beta(4, 12).cdf).pvalue < 1e-6
    assert sim.haplotypes.dtype.kind == "i" and set(np.unique(sim.haplotypes)) == {0, 1}
    assert (sim.allele_frequencies > 0.05).all() and (sim.allele_frequencies <= 0.5).all()


def test_founders_need_a_positive_count_and_stay_valid_haplotype_indices():
    """n = 0 is refused. If rounding leaves a block's cumulative frequencies short of 1 (exaggerated here: they
    sum to 0.8), a draw above the last one still picks the last haplotype, never an index past it."""
    sim = privacy.FamilySimulator(n_snps=40, block_size=10, seed=1)
    with pytest.raises(ValueError, match="positive"):
        sim.founders(0, seed=0)
    sim.pi = np.full_like(sim.pi, 0.2)
    haps = sim.founders(5000, seed=2)
    assert haps.min() == 0 and haps.max() == sim.n_haplotypes - 1
    assert (haps == sim.n_haplotypes - 1).mean() == pytest.approx(0.4, abs=0.02)
    assert sim.genotypes(haps).shape == (5000, 40)


def test_trios_are_mendelian_families():
    """mother, father and child, each (n, n_snps) int64; every child genotype has positive Mendel probability
    given its parents (enumerated in mendel_probabilities), and about half the children's alleles at a variant
    where one parent is 0 and the other 2 make a heterozygote (always 1)."""
    sim = privacy.FamilySimulator(n_snps=100, block_size=10, seed=0)
    t = sim.trios(300, seed=1)
    assert set(t) == {"mother", "father", "child"}
    assert all(v.shape == (300, 100) and v.dtype == torch.int64 for v in t.values())
    probs = privacy.mendel_probabilities(t["mother"], t["father"])
    assert (probs.gather(-1, t["child"][..., None]) > 0).all()
    opposite = ((t["mother"] == 0) & (t["father"] == 2)) | ((t["mother"] == 2) & (t["father"] == 0))
    assert opposite.sum() > 50 and (t["child"][opposite] == 1).all()
    assert not torch.equal(t["mother"], t["father"])


def test_genotype_vae_layers_by_hand_and_its_shape_errors():
    """Defaults latent 64, hidden 256. encode = linear heads on ReLU(W onehot(g) + b) (one-hot with 3 classes even
    when a batch has no 2), decode = the MLP's logits reshaped (n, n_snps, 3), recomputed from the weights;
    bad shapes are named."""
    assert privacy.GenotypeVAE(5).latent_dim == 64 and privacy.GenotypeVAE(5).mu.in_features == 256
    torch.manual_seed(0)
    model = privacy.GenotypeVAE(4, latent_dim=3, hidden=8)
    g = torch.tensor([[0, 1, 1, 0], [1, 0, 0, 0]])
    onehot = torch.zeros(2, 4, 3)
    onehot[torch.arange(2)[:, None], torch.arange(4)[None, :], g] = 1.0
    lin = model.body[0]
    with torch.no_grad():
        h = torch.relu(onehot.reshape(2, 12) @ lin.weight.T + lin.bias)
        mu, logvar = model.encode(g)
        torch.testing.assert_close(mu, h @ model.mu.weight.T + model.mu.bias)
        torch.testing.assert_close(logvar, h @ model.logvar.weight.T + model.logvar.bias)
        z = torch.randn(2, 3)
        first, last = model.decoder[0], model.decoder[2]
        logits = torch.relu(z @ first.weight.T + first.bias) @ last.weight.T + last.bias
        torch.testing.assert_close(model.decode(z), logits.reshape(2, 4, 3))
    with pytest.raises(ValueError, match="^genotypes must have shape"):
        model.encode(torch.zeros(2, 5, dtype=torch.long))
    with pytest.raises(ValueError, match="^z must have shape"):
        model.decode(torch.zeros(2, 4))


def test_genotype_loss_default_beta_is_1():
    """Without beta the loss is reconstruction + KL (beta = 1)."""
    torch.manual_seed(0)
    model = privacy.GenotypeVAE(6, latent_dim=3, hidden=8)
    g = torch.randint(0, 3, (5, 6))
    torch.manual_seed(1)
    loss, rec, kl = privacy.genotype_loss(model, g)
    assert kl.item() > 0.01
    assert loss.item() == pytest.approx(rec.item() + kl.item(), rel=1e-6)


def _hand_train(genotypes, epochs, beta, seed, latent_dim, loss_fn):
    """Seeded like the course (training.seed_everything, then the model), Adam lr 1e-3, a shuffled DataLoader of
    batches of 128 with a generator seeded 0, ``loss_fn(model, batch, beta)[0]``, no clipping."""
    from torch.utils.data import DataLoader, TensorDataset

    from course_utils import training

    training.seed_everything(seed)
    model = privacy.GenotypeVAE(genotypes.shape[1], latent_dim=latent_dim)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(genotypes), batch_size=128, shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    model.train()
    losses = []
    for _ in range(epochs):
        for (batch,) in loader:
            loss = loss_fn(model, batch, beta)[0]
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return model, losses


def test_train_genotype_vae_equals_a_hand_written_adam_loop(monkeypatch):
    """train_genotype_vae against a hand-written loop: with its defaults (20 epochs, beta 0.3, seed 0, latent 64,
    the default loss) and with others (a loss_fn that records its beta); the same per-step losses and weights;
    the model comes back on the CPU in eval mode."""
    monkeypatch.setenv("COURSE_DEVICE", "cpu")
    g = privacy.FamilySimulator(n_snps=10, block_size=5, seed=0).genotypes(
        privacy.FamilySimulator(n_snps=10, block_size=5, seed=0).founders(200, seed=1))
    model, history = privacy.train_genotype_vae(g)
    twin, losses = _hand_train(g, 20, 0.3, 0, 64, privacy.genotype_loss)
    assert len(history.loss) == 40 and history.loss == pytest.approx(losses, rel=1e-5)
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        torch.testing.assert_close(p, q)
    assert not model.training and next(model.parameters()).device.type == "cpu"
    betas = []

    def recording_loss(m, batch, beta):
        betas.append(beta)
        return privacy.genotype_loss(m, batch, beta)

    model, history = privacy.train_genotype_vae(g, epochs=1, beta=1.7, seed=3, latent_dim=2, loss_fn=recording_loss)
    assert betas == [1.7, 1.7]
    twin, losses = _hand_train(g, 1, 1.7, 3, 2, privacy.genotype_loss)
    assert history.loss == pytest.approx(losses, rel=1e-5)
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        torch.testing.assert_close(p, q)


def test_relatives_attack_decodes_the_mean_of_the_relatives_posterior_means_by_hand():
    """Lab 10's hidden attack test takes its expected guess from relatives_attack: pinned here against the
    attack written out in NumPy from the layer weights (one-hot genotypes, ReLU body, mean head, the mean
    over distinct relatives, ReLU decoder, argmax over the three genotypes), in float64."""
    torch.manual_seed(2)
    model = privacy.GenotypeVAE(12, latent_dim=3, hidden=8)
    relatives = [torch.randint(0, 3, (6, 12)) for _ in range(3)]  # mother, father, sibling: all different
    w = {k: v.detach().double().numpy() for k, v in model.state_dict().items()}

    def relu(a):
        return np.maximum(a, 0.0)

    def mean_code(g):
        onehot = np.eye(3)[g.numpy()].reshape(len(g), -1)
        h = relu(onehot @ w["body.0.weight"].T + w["body.0.bias"])
        return h @ w["mu.weight"].T + w["mu.bias"]

    z = np.mean([mean_code(g) for g in relatives], axis=0)
    logits = relu(z @ w["decoder.0.weight"].T + w["decoder.0.bias"]) @ w["decoder.2.weight"].T + w["decoder.2.bias"]
    expected = logits.reshape(6, 12, 3).argmax(-1)
    model.train()  # the attack must not depend on the mode it is handed the model in
    guess = privacy.relatives_attack(model, relatives)
    assert guess.dtype == torch.long and guess.shape == (6, 12)
    np.testing.assert_array_equal(guess.numpy(), expected)
    # one relative's guess is not the three relatives' (the mean is over relatives, not a single one)
    assert not np.array_equal(privacy.relatives_attack(model, relatives[:1]).numpy(), expected)


def test_genotype_loss_decodes_a_sampled_code_drawn_from_the_posterior():
    """With a decoder that reads z (lab 10's hidden test uses such a model): z = mu + exp(logvar / 2) eps with eps
    the first standard-normal draw after the seed, the decoder MLP written out in NumPy, and the cross-entropy
    summed over variants from a NumPy log-softmax."""
    n_snps = 5
    torch.manual_seed(2)
    model = privacy.GenotypeVAE(n_snps, latent_dim=3, hidden=16)
    with torch.no_grad():
        model.decoder[-1].weight.mul_(4.0)  # make z matter
    g = torch.tensor([[0, 1, 2, 0, 1], [2, 2, 1, 0, 0], [1, 0, 0, 2, 2], [0, 0, 1, 1, 2]])
    torch.manual_seed(9)
    loss, rec, kl = privacy.genotype_loss(model, g, beta=0.6)
    torch.manual_seed(9)
    with torch.no_grad():
        mu, logvar = (t.double().numpy() for t in model.encode(g))
    z = mu + np.exp(logvar / 2) * torch.randn(4, 3).double().numpy()

    def log_softmax_rec(code: np.ndarray) -> float:
        h = code
        for layer in model.decoder:
            if isinstance(layer, torch.nn.Linear):
                h = h @ layer.weight.detach().double().numpy().T + layer.bias.detach().double().numpy()
            else:
                h = np.maximum(h, 0.0)
        b = h.reshape(len(code), n_snps, 3)
        log_p = b - np.log(np.exp(b).sum(-1, keepdims=True))
        return float(np.mean([-log_p[i, np.arange(n_snps), row].sum() for i, row in enumerate(g.numpy())]))

    expected_rec = log_softmax_rec(z)
    expected_kl = (0.5 * (mu ** 2 + np.exp(logvar) - 1 - logvar)).sum(1).mean()
    assert rec.item() == pytest.approx(expected_rec, rel=1e-5)
    assert loss.item() == pytest.approx(expected_rec + 0.6 * expected_kl, rel=1e-5)
    assert abs(log_softmax_rec(mu) - expected_rec) > 1e-2  # the mean instead of a draw would be caught
