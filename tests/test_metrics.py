"""Generation metrics on hand-made cases whose answers are known, and against RDKit/scipy."""

import itertools

import numpy as np
import pytest
import torch
from rdkit import Chem, DataStructs
from rdkit.Chem import AllChem, Crippen
from scipy.stats import wasserstein_distance

from course_utils import metrics

SAMPLES = ["CCO", "OCC", "C1CC", "", "c1ccccc1", "CC(=O)O", "not a smiles"]


def test_validity_counts_parseable_non_empty_molecules():
    assert metrics.validity(SAMPLES) == pytest.approx(4 / 7)
    assert metrics.validity([]) == 0.0


def test_unique_at_k_counts_distinct_valid_molecules():
    # first 4 samples: valid CCO, OCC (same molecule), invalid, empty -> 1 distinct of 2 valid
    assert metrics.unique_at_k(SAMPLES, k=4) == 0.5
    assert metrics.unique_at_k(SAMPLES, k=7) == pytest.approx(3 / 4)
    with pytest.raises(ValueError, match="at least 10"):
        metrics.unique_at_k(SAMPLES, k=10)


def test_novelty_is_the_share_of_distinct_valid_molecules_not_in_training():
    train = {"CCO", "CC(=O)O"}
    # distinct valid generated: CCO, c1ccccc1, CC(=O)O -> one of three is new
    assert metrics.novelty(SAMPLES, train) == pytest.approx(1 / 3)


def test_internal_diversity_matches_rdkit_bulk_tanimoto():
    mols = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC"]
    fps = [AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(s), 2, nBits=1024) for s in mols]
    sims = [DataStructs.TanimotoSimilarity(fps[i], fps[j]) for i in range(4) for j in range(4) if i != j]
    assert metrics.internal_diversity(mols) == pytest.approx(1 - np.mean(sims))
    assert metrics.internal_diversity(mols + ["OCC"]) == pytest.approx(1 - np.mean(sims))  # duplicates ignored
    with pytest.raises(ValueError, match="at least 2"):
        metrics.internal_diversity(["CCO", "OCC"])


def test_reconstruction_rate_compares_molecules_not_strings():
    got = metrics.reconstruction_rate(["CCO", "c1ccccc1", "CCN"], ["OCC", "C1=CC=CC=C1", "CCC"])
    assert got == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="equally long"):
        metrics.reconstruction_rate(["CCO"], [])


def test_property_w1_equals_scipy_on_crippen_logp():
    gen, ref = ["CCO", "c1ccccc1", "bad"], ["CCCCCC", "CC(=O)O"]
    logp = lambda ss: [Crippen.MolLogP(Chem.MolFromSmiles(s)) for s in ss]
    expected = wasserstein_distance(logp(gen[:2]), logp(ref))
    assert metrics.property_w1(gen, ref, "logp") == pytest.approx(expected)
    assert metrics.property_w1(gen, np.array(logp(ref)), "logp") == pytest.approx(expected)


def test_property_w1_is_the_wasserstein_distance_of_overlapping_samples_not_a_difference_of_means():
    """Overlapping samples with equal means and different spreads: W1 > 0 while the means agree. Checked against
    scipy and against the 1-D closed form (mean |difference| of the sorted samples, equal sizes)."""
    gen = ["CCO", "CCCC", "c1ccccc1", "CCCCCC", "OCC(O)CO", "CC(=O)O"]
    logp = np.array([Crippen.MolLogP(Chem.MolFromSmiles(s)) for s in gen])
    ref = logp.mean() + 1.5 * (logp - logp.mean())[::-1]  # same mean, 1.5 x the spread, overlapping ranges
    expected = wasserstein_distance(logp, ref)
    assert expected == pytest.approx(np.abs(np.sort(logp) - np.sort(ref)).mean())
    assert expected > 0.3 and abs(logp.mean() - ref.mean()) < 1e-12
    assert metrics.property_w1(gen, ref, "logp") == pytest.approx(expected)
    shifted = ref[:4] + 0.5  # unequal sizes, overlapping
    assert metrics.property_w1(gen, shifted, "logp") == pytest.approx(wasserstein_distance(logp, shifted))
    with pytest.raises(ValueError, match="at least one valid molecule"):
        metrics.property_w1(["bad"], ref, "logp")


def test_validity_treats_non_strings_as_invalid_and_single_atoms_as_valid():
    """Hand count: a non-string entry (None, a number) is invalid, not an error; a one-atom molecule ("C", methane)
    is a valid, non-empty molecule."""
    assert metrics.validity(["CCO", 42, None, ""]) == pytest.approx(1 / 4)
    assert metrics.validity(["C", "O", "[Na+]"]) == 1.0
    assert metrics.canonical_valid(["C", 3.5, "N"]) == ["C", "N"]


def test_unique_at_k_default_k_is_1000_and_zero_without_valid_molecules():
    """Hand count with the default k = 1000: 1000 samples are enough, and only the first 1000 count (CCC at
    position 1001 is ignored): 2 distinct of 1000 valid. No valid sample: 0 (not a division by zero)."""
    samples = ["CCO"] * 500 + ["c1ccccc1"] * 500
    assert metrics.unique_at_k(samples) == pytest.approx(2 / 1000)
    assert metrics.unique_at_k(samples + ["CCC"]) == pytest.approx(2 / 1000)
    assert metrics.unique_at_k(["bad", "", "C1CC"], k=3) == 0.0


def test_novelty_with_a_training_list_and_without_valid_molecules():
    """Hand count: the training set may be any iterable (a list or a generator); nothing valid generated -> 0."""
    assert metrics.novelty(SAMPLES, ["CCO", "CC(=O)O"]) == pytest.approx(1 / 3)
    assert metrics.novelty(SAMPLES, (s for s in ["CCO"])) == pytest.approx(2 / 3)
    assert metrics.novelty(["bad", ""], ["CCO"]) == 0.0
    assert metrics.novelty(["bad", ""], []) == 0.0


def _rdkit_diversity(smiles):
    """1 - mean Tanimoto over ordered pairs i != j, with RDKit's own Morgan bit vectors and TanimotoSimilarity."""
    fps = [AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(s), 2, nBits=1024) for s in smiles]
    n = len(fps)
    return 1 - np.mean([DataStructs.TanimotoSimilarity(fps[i], fps[j]) for i in range(n) for j in range(n) if i != j])


def test_internal_diversity_of_two_molecules_is_one_minus_their_tanimoto():
    """Two distinct molecules are enough: 1 - their RDKit Tanimoto similarity."""
    pair = ["CCO", "c1ccccc1O"]
    assert metrics.internal_diversity(pair) == pytest.approx(_rdkit_diversity(pair))


def test_internal_diversity_subsample_is_reproducible_draw_without_replacement():
    """Above ``max_molecules`` the diversity is that of a subsample: the sorted distinct canonical SMILES, indexed by
    numpy's ``default_rng(seed).choice`` without replacement (default seed 0). Similarities from RDKit."""
    mols = sorted(metrics.canonical_valid(["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC", "CCCCCC",
                                           "OCC(O)CO", "c1ccncc1", "CC(=O)O", "C1CCCCC1", "CS(=O)C"]))
    assert len(set(mols)) == 10
    expected = {}
    for seed in (0, 1, 7):
        idx = np.random.default_rng(seed).choice(10, 4, replace=False)
        expected[seed] = _rdkit_diversity([mols[i] for i in idx])
        assert metrics.internal_diversity(mols[::-1], max_molecules=4, seed=seed) == pytest.approx(expected[seed])
    assert metrics.internal_diversity(mols, max_molecules=4) == pytest.approx(expected[0])
    assert abs(expected[0] - expected[1]) > 1e-3  # the seed matters on this input
    assert metrics.internal_diversity(mols, max_molecules=10) == pytest.approx(_rdkit_diversity(mols))


def test_internal_diversity_default_subsample_has_2000_distinct_molecules(monkeypatch):
    """2001 distinct molecules (linear chains over C, N, O, S, one per word up to reversal): by default 2000 distinct
    ones of them are fingerprinted (a draw without replacement). The fingerprints are replaced by a spy that records
    the molecules (and returns one shared bit, so that the similarity matrix stays cheap: all ones, diversity 0)."""
    words = ["".join(w) for w in itertools.product("CNOS", repeat=6)]
    chains = [w for w in words if w <= w[::-1]][:2001]  # a chain and its reverse are one molecule
    seen = []

    def spy(mols, radius=2, n_bits=1024):
        seen.extend(mols)
        return torch.ones(len(mols), 1)

    monkeypatch.setattr(metrics, "morgan_fingerprints", spy)
    assert metrics.internal_diversity(chains) == pytest.approx(0.0)
    assert len(seen) == 2000 and len(set(seen)) == 2000
    assert set(seen) <= set(metrics.canonical_valid(chains))


def test_property_w1_against_a_single_reference_value_is_the_mean_absolute_deviation():
    """W1 between a sample and a point mass at r is mean |x - r| (closed form); one reference value is enough."""
    gen = ["CCO", "c1ccccc1", "CCCCCC"]
    logp = np.array([Crippen.MolLogP(Chem.MolFromSmiles(s)) for s in gen])
    assert metrics.property_w1(gen, np.array([1.0]), "logp") == pytest.approx(np.abs(logp - 1.0).mean())
    assert metrics.property_w1(gen, ["CC(=O)O"], "logp") == pytest.approx(
        np.abs(logp - Crippen.MolLogP(Chem.MolFromSmiles("CC(=O)O"))).mean())
