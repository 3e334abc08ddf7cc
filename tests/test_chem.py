"""RDKit helpers against literature values and RDKit's own independent routines."""

import numpy as np
import pytest
import torch
from rdkit import Chem, DataStructs, RDLogger
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


# ------------------------------------------------------------------ issue #23: pins written for mutation testing
def test_silence_rdkit_stops_parse_errors_on_stderr(capfd):
    RDLogger.EnableLog("rdApp.*")
    Chem.MolFromSmiles("C1CC")
    assert "C1CC" in capfd.readouterr().err, "RDKit should report the parse error before silence_rdkit()"
    chem.silence_rdkit()
    Chem.MolFromSmiles("C1CC")
    assert capfd.readouterr().err == "", "silence_rdkit(): RDKit still writes to stderr"


def test_single_atoms_and_non_strings():
    """One heavy atom is a molecule (to_mol and is_valid); anything but a string is not valid, without raising."""
    assert chem.to_mol("C").GetNumAtoms() == 1 and chem.is_valid("C") and chem.is_valid("[Na+]")
    mol = Chem.MolFromSmiles("CCO")
    assert chem.to_mol(mol) is mol, "to_mol passes an RDKit Mol through unchanged"
    for not_a_string in (None, 42, b"CCO", ["CCO"]):
        assert chem.is_valid(not_a_string) is False, f"is_valid({not_a_string!r}) should be False"
    assert chem.is_valid(" \t") is False


def test_morgan_radius_and_length_limits_against_rdkit():
    """radius 0 (atom types only) and n_bits 1 are allowed and agree with RDKit's bit vectors; a negative radius or
    n_bits 0 are refused, each on its own."""
    mol = Chem.MolFromSmiles(ASPIRIN)
    for radius, n_bits in ((0, 64), (3, 2048), (1, 1)):
        bv = AllChem.GetMorganFingerprintAsBitVect(mol, radius, nBits=n_bits)
        ref = np.zeros(n_bits, dtype=np.uint8)
        ref[list(bv.GetOnBits())] = 1
        got = chem.morgan_fingerprint(ASPIRIN, radius=radius, n_bits=n_bits)
        assert got.dtype == np.uint8, f"morgan_fingerprint: expected uint8, got {got.dtype}"
        assert np.array_equal(got, ref), f"morgan_fingerprint(radius={radius}, n_bits={n_bits}) != RDKit"
        many = chem.morgan_fingerprints([ASPIRIN, "CCO"], radius=radius, n_bits=n_bits)
        assert np.array_equal(many[0].numpy(), ref), f"morgan_fingerprints(radius={radius}, n_bits={n_bits}) != RDKit"
    for radius, n_bits in ((-1, 1024), (2, 0)):
        with pytest.raises(ValueError, match="radius >= 0 and n_bits > 0"):
            chem.morgan_fingerprint(ASPIRIN, radius=radius, n_bits=n_bits)


def test_tanimoto_row_by_row_and_against_a_second_matrix_by_hand():
    """Rows [1100], [1110], [0000], [1000] against [1000], [0110], [0000], [1000] by hand: 1/2, 2/3, 1 (both empty),
    1 (one shared bit); and the full 4 x 4 matrix against the second set."""
    a = np.array([[1, 1, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0]])
    b = np.array([[1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0]])
    np.testing.assert_allclose(chem.tanimoto(a, b).numpy(), [1 / 2, 2 / 3, 1, 1], rtol=1e-15,
                               err_msg="tanimoto of paired rows")
    expected = np.array([[1 / 2, 1 / 3, 0, 1 / 2], [1 / 3, 2 / 3, 0, 1 / 3], [0, 0, 1, 0], [1, 0, 0, 1]])
    got = chem.tanimoto_matrix(a, b)
    assert got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-15, err_msg="tanimoto_matrix(a, b)")
    self_sim = chem.tanimoto_matrix(b)
    np.testing.assert_allclose(self_sim.numpy(), [[1, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]],
                               err_msg="tanimoto_matrix(b) (an empty row is similar to itself only)")
    assert chem.tanimoto([1, 0], [0, 0]).item() == 0.0, "one bit against an empty fingerprint: 0"


def test_tanimoto_counts_exactly_beyond_half_precision():
    """Half-precision fingerprints with 3,001 and 3,000 bits set, 2,999 shared: float16 cannot count past 2,048, so the
    exact answer 2999 / 3002 needs the float64 cast the docstring promises."""
    a = torch.zeros(8192, dtype=torch.float16)
    b = torch.zeros(8192, dtype=torch.float16)
    a[:3001] = 1
    b[2:3002] = 1
    want = 2999 / 3002
    assert chem.tanimoto(a, b).item() == pytest.approx(want, rel=1e-15), "tanimoto(float16, float16)"
    assert chem.tanimoto(b, a).item() == pytest.approx(want, rel=1e-15), "tanimoto(float16, float16) swapped"
    got = chem.tanimoto_matrix(torch.stack([a, b]))
    np.testing.assert_allclose(got.numpy(), [[1, want], [want, 1]], rtol=1e-15, err_msg="tanimoto_matrix(float16)")
    np.testing.assert_allclose(chem.tanimoto_matrix(a[None], b[None]).numpy(), [[want]], rtol=1e-15,
                               err_msg="tanimoto_matrix(float16, float16)")


@pytest.mark.parametrize("a, b", [(torch.zeros(2, 8), torch.zeros(8)), (torch.zeros(8), torch.zeros(2, 8)),
                                  (torch.zeros(2, 8), torch.zeros(3, 9))])
def test_tanimoto_matrix_refuses_anything_but_two_matrices_of_equal_width(a, b):
    with pytest.raises(ValueError, match=r"expected two \(n, n_bits\) fingerprint matrices"):
        chem.tanimoto_matrix(a, b)


def test_draw_grid_hands_rdkit_the_molecules_and_legends(monkeypatch):
    """What draw_grid passes to RDKit's MolsToGridImage: parsed molecules, empty ones for invalid SMILES (the empty
    string included), legends by default the SMILES and 'invalid: ' + the first 24 characters for a failure."""
    chem.silence_rdkit()
    seen = {}
    monkeypatch.setattr(chem.Draw, "MolsToGridImage", lambda mols, **kwargs: seen.update(mols=mols, **kwargs))
    long_bad = "C1CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
    chem.draw_grid([ASPIRIN, "C1CC", "", long_bad, "CCO"])
    assert [type(m) for m in seen["mols"]] == [Chem.Mol] * 5, seen["mols"]
    assert [Chem.MolToSmiles(m) for m in seen["mols"]] == [Chem.MolToSmiles(Chem.MolFromSmiles(ASPIRIN)), "", "", "",
                                                           "CCO"]
    legends = [ASPIRIN, "invalid: C1CC", "invalid: ", "invalid: " + long_bad[:24], "CCO"]
    assert seen["legends"] == legends, f"draw_grid legends: expected {legends}, got {seen['legends']}"
    assert seen["molsPerRow"] == 4 and seen["subImgSize"] == (220, 180)
    chem.draw_grid(["CCO", "C1CC"], legends=["ethanol", "broken"], mols_per_row=2)
    assert seen["legends"] == ["ethanol", "invalid: C1CC"] and seen["molsPerRow"] == 2, seen


def test_draw_grid_defaults_and_a_pil_image_under_rdkits_jupyter_renderer(monkeypatch):
    """Default 4 per row of 220 x 180: five molecules make 880 x 360. RDKit's Jupyter renderer (IPythonConsole)
    turns MolsToGridImage into PNG bytes unless returnPNG=False is passed: draw_grid must still give a PIL image."""
    from PIL import Image
    from rdkit.Chem import Draw
    from rdkit.Chem.Draw import IPythonConsole

    IPythonConsole.UninstallIPythonRenderer()  # importing it installs the renderer process-wide
    img = chem.draw_grid([ASPIRIN, "CCO", "c1ccccc1O", "CCN", "CO"])
    assert img.size == (880, 360), f"draw_grid default grid: expected 880 x 360, got {img.size}"
    monkeypatch.setattr(Draw, "_MolsToGridImageSaved", Draw.MolsToGridImage, raising=False)
    monkeypatch.setattr(Draw, "MolsToGridImage", IPythonConsole.ShowMols)
    img = chem.draw_grid(["CCO", "CO"])
    assert isinstance(img, Image.Image), f"draw_grid under IPythonConsole: expected a PIL image, got {type(img)}"
