"""RDKit helpers against literature values and RDKit's own independent routines."""

import numpy as np
import pytest
import torch
from rdkit import Chem, DataStructs
from rdkit.Chem import AllChem

from course_utils import chem

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def test_invalid_smiles_raises_an_error_that_quotes_it():
    with pytest.raises(chem.InvalidSmilesError, match=r"'C1CC'"):
        chem.to_mol("C1CC")
    with pytest.raises(chem.InvalidSmilesError, match="empty"):
        chem.to_mol("  ")
    with pytest.raises(TypeError, match="SMILES string or an RDKit Mol"):
        chem.to_mol(42)
    assert isinstance(chem.InvalidSmilesError("x"), ValueError)


def test_is_valid_separates_good_and_bad_smiles():
    chem.silence_rdkit()
    assert chem.is_valid("c1ccccc1") and chem.is_valid("[nH]1cccc1")
    for bad in ["", "C1CC", "c1cccc1", "C(C", "[Xx]", "CC(C)(C)(C)(C)C"]:
        assert not chem.is_valid(bad), bad


def test_canonical_smiles_identifies_spellings_of_one_molecule():
    assert chem.canonical_smiles("OCC") == chem.canonical_smiles("C(O)C") == "CCO"
    assert chem.canonical_smiles("c1ccccc1O") == chem.canonical_smiles("Oc1ccccc1")


def test_aspirin_properties_match_published_values():
    """Aspirin: MW 180.16 g/mol, TPSA 63.6 A^2, Crippen logP 1.31, QED 0.55, SA score about 1.6."""
    p = chem.properties(ASPIRIN)
    assert set(p) == set(chem.PROPERTY_NAMES)
    assert p["mw"] == pytest.approx(180.159, abs=0.01)
    assert p["tpsa"] == pytest.approx(63.6, abs=0.05)
    assert p["logp"] == pytest.approx(1.31, abs=0.01)
    assert p["qed"] == pytest.approx(0.55, abs=0.01)
    assert 1.0 < p["sa"] < 2.5


def test_sa_score_ranks_simple_below_complex():
    simple = chem.sa_score("CCO")
    complex_ = chem.sa_score("C[C@H]1C[C@@H]2[C@H](O)C[C@]3(C)C(=CC[C@@H]3[C@]2(C)C=C1)C")
    assert 1.0 <= simple < 2.5 < complex_ <= 10.0


def test_morgan_fingerprint_matches_rdkit_bit_vector():
    mol = Chem.MolFromSmiles(ASPIRIN)
    bv = AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=1024)
    ref = np.zeros(1024, dtype=np.uint8)
    for i in bv.GetOnBits():
        ref[i] = 1
    assert np.array_equal(chem.morgan_fingerprint(ASPIRIN), ref)
    many = chem.morgan_fingerprints([ASPIRIN, "CCO"], n_bits=1024)
    assert many.shape == (2, 1024) and many.dtype == torch.float32
    assert np.array_equal(many[0].numpy().astype(np.uint8), ref)


def test_tanimoto_matches_rdkit_datastructs():
    smiles = [ASPIRIN, "CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC"]
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    bvs = [AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=1024) for m in mols]
    fps = chem.morgan_fingerprints(smiles)
    mat = chem.tanimoto_matrix(fps)
    for i in range(len(smiles)):
        ref = DataStructs.BulkTanimotoSimilarity(bvs[i], bvs)
        np.testing.assert_allclose(mat[i].numpy(), ref, atol=1e-12)
        assert chem.tanimoto(fps[i], fps[0]).item() == pytest.approx(ref[0])
    np.testing.assert_allclose(chem.tanimoto(fps, fps[0]).numpy(), mat[:, 0].numpy())


def test_tanimoto_edge_cases():
    empty = torch.zeros(8)
    assert chem.tanimoto(empty, empty).item() == 1.0
    with pytest.raises(ValueError, match="same length"):
        chem.tanimoto(torch.zeros(8), torch.zeros(9))
    with pytest.raises(ValueError, match=r"\(n, n_bits\)"):
        chem.tanimoto_matrix(torch.zeros(8))


def test_draw_grid_shows_invalid_molecules_as_labelled_blanks():
    chem.silence_rdkit()
    img = chem.draw_grid([ASPIRIN, "C1CC", "CCO"], mols_per_row=3, sub_img_size=(100, 80))
    assert img.size == (300, 80)
    with pytest.raises(ValueError, match="legends"):
        chem.draw_grid([ASPIRIN], legends=["a", "b"])
