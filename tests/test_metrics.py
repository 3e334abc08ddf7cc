"""Generation metrics on hand-made cases whose answers are known, and against RDKit/scipy."""

import numpy as np
import pytest
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
