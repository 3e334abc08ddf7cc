"""Does the tokenizer split SMILES into chemically meaningful tokens, and the vocabulary round-trip?"""

import pytest
import torch
from rdkit import Chem

from course_utils import data, smiles


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("CCl", ["C", "Cl"]),
        ("BrCCBr", ["Br", "C", "C", "Br"]),
        ("c1cc[nH]c1", ["c", "1", "c", "c", "[nH]", "c", "1"]),
        ("C[C@@H](N)C(=O)O", ["C", "[C@@H]", "(", "N", ")", "C", "(", "=", "O", ")", "O"]),
        ("C%10CC%10", ["C", "%10", "C", "C", "%10"]),
        ("[Na+].[Cl-]", ["[Na+]", ".", "[Cl-]"]),
        ("C#N", ["C", "#", "N"]),
        ("F/C=C/F", ["F", "/", "C", "=", "C", "/", "F"]),
    ],
)
def test_tokenizer_keeps_multi_character_tokens_whole(text, tokens):
    assert smiles.tokenize(text) == tokens
    assert "".join(smiles.tokenize(text)) == text


def test_tokenizer_rejects_what_it_cannot_split():
    with pytest.raises(smiles.UnknownTokenError, match=r"'X' at position 1"):
        smiles.tokenize("CXC")
    with pytest.raises(smiles.UnknownTokenError, match="position 2"):
        smiles.tokenize("CC[NH")


def test_tokens_agree_with_rdkit_atom_count():
    """Every atom token (bracket or organic subset) is one RDKit heavy atom."""
    atom = lambda t: t.startswith("[") or t.lower() in {"b", "c", "n", "o", "s", "p", "f", "i", "cl", "br"}
    for s in data.load_molecules("test", n=300).smiles:
        assert sum(atom(t) for t in smiles.tokenize(s)) == Chem.MolFromSmiles(s).GetNumAtoms(), s


def test_vocabulary_round_trip_is_exact_on_the_whole_dataset():
    every = data.load_molecules("train").smiles + data.load_molecules("test").smiles
    vocab = smiles.Vocabulary.build(every)
    assert vocab.itos[:4] == ["<pad>", "<bos>", "<eos>", "<mask>"]
    assert all(vocab.decode(vocab.encode(s)) == s for s in every)


def test_encode_batch_pads_and_decode_batch_strips():
    vocab = smiles.Vocabulary.build(["CCO", "c1ccccc1Cl"])
    ids = vocab.encode_batch(["CCO", "c1ccccc1Cl"])
    assert ids.shape == (2, 11) and ids.dtype == torch.long  # c 1 c c c c c 1 Cl + <bos>, <eos>
    assert ids[0, 0] == vocab.bos_id and ids[0, 4] == vocab.eos_id and (ids[0, 5:] == vocab.pad_id).all()
    assert vocab.decode_batch(ids) == ["CCO", "c1ccccc1Cl"]
    assert vocab.decode([vocab.bos_id, vocab.stoi["C"], vocab.mask_id, vocab.eos_id, vocab.stoi["O"]]) == "C"
    with pytest.raises(ValueError, match="max_len=4"):
        vocab.encode_batch(["CCO"], max_len=4)


def test_unknown_token_names_the_token_and_the_molecule():
    vocab = smiles.Vocabulary.build(["CCO"])
    with pytest.raises(smiles.UnknownTokenError, match=r"token 'Cl' in 'CCl' is not in the vocabulary"):
        vocab.encode("CCl")


def test_vocabulary_saves_and_loads(tmp_path):
    vocab = smiles.Vocabulary.build(["CC(=O)Nc1ccc(O)cc1"])
    vocab.save(tmp_path / "v.json")
    assert smiles.Vocabulary.load(tmp_path / "v.json") == vocab


def test_selfies_round_trip_and_tokens():
    for s in data.load_molecules("test", n=200).smiles:
        sel = smiles.to_selfies(s)
        back = smiles.from_selfies(sel)
        assert Chem.MolToSmiles(Chem.MolFromSmiles(back)) == s
        assert "".join(smiles.selfies_tokenize(sel)) == sel
    vocab = smiles.Vocabulary.build([smiles.to_selfies("CCO")], kind="selfies")
    assert vocab.decode(vocab.encode("[C][C][O]")) == "[C][C][O]"


def test_kekule_smiles_have_no_aromatic_atoms_and_are_the_same_molecule():
    assert smiles.to_kekule("c1ccccc1O") == "OC1=CC=CC=C1"
    for s in data.load_molecules("test", n=500).smiles:
        k = smiles.to_kekule(s)
        assert not {"c", "n", "o", "s", "[nH]"} & set(smiles.tokenize(k)), k
        assert Chem.MolToSmiles(Chem.MolFromSmiles(k)) == s  # RDKit re-aromatizes: same canonical SMILES
        assert smiles.to_kekule(k) == k                       # idempotent
    for bad in ("C1CC", "c1cccc1", ""):
        with pytest.raises(ValueError, match="Kekulé"):
            smiles.to_kekule(bad)


def test_kekule_vocabulary_rewrites_what_it_encodes():
    kek = smiles.Vocabulary(["C", "=", "1", "O", "(", ")"], kind="kekule")
    ids = kek.encode("c1ccccc1O")                     # aromatic input is accepted and rewritten
    assert kek.decode(ids) == "OC1=CC=CC=C1"
    assert kek.encode("OC1=CC=CC=C1") == ids          # and both spellings give the same ids
    with pytest.raises(ValueError, match="cannot parse"):
        kek.encode("C1CC")
    with pytest.raises(ValueError, match="cannot parse"):
        kek.encode("c1cccc1")                         # aromatic, but no Kekulé structure exists
    # a Kekulé string is kept as written: a model's own (valid, non-canonical) output encodes back exactly
    own = "CC(S(N)(C)(C)C)"
    assert smiles.to_kekule(own) == "CC[SH](C)(C)(C)N"  # RDKit's canonical spelling needs a bracket atom
    wide = smiles.Vocabulary(["C", "(", ")", "S", "N"], kind="kekule")
    assert wide.decode(wide.encode(own)) == own
    with pytest.raises(ValueError, match="kind must be one of"):
        smiles.Vocabulary(["C"], kind="deepsmiles")


# ------------------------------------------------------------------ issue #23: pins written for mutation testing
def test_aromatic_tokens_by_hand():
    aromatic = ["b", "c", "n", "o", "p", "s", "[nH]", "[se]", "[c-]", "[n+]"]
    not_aromatic = ["B", "C", "N", "O", "P", "S", "Cl", "Br", "[NH4+]", "[C@@H]", "[Se]", "[2H]", "1", "(", "=", "%10"]
    wrong = [t for t in aromatic if not smiles.is_aromatic_token(t)]
    wrong += [t for t in not_aromatic if smiles.is_aromatic_token(t)]
    assert not wrong, f"is_aromatic_token is wrong for {wrong}"


def test_kekule_smiles_are_rdkits_canonical_form_of_the_kekule_structure():
    """to_kekule's output, read WITHOUT aromaticity perception (the Kekulé graph itself), is written back unchanged by
    RDKit's canonical writer. Keeping RDKit's aromatic flags during kekulization orders the atoms as in the
    aromatic molecule instead (this indole amide and 2,6-disubstituted pyridine are cases where the two differ)."""
    def canonical_kekule_graph(k):
        mol = Chem.MolFromSmiles(k, sanitize=False)
        Chem.SanitizeMol(mol, Chem.SanitizeFlags.SANITIZE_ALL ^ Chem.SanitizeFlags.SANITIZE_SETAROMATICITY)
        return Chem.MolToSmiles(mol)

    for s in ["CC(=O)Nc1ccc(CCNC(=O)c2c[nH]c3cccc(F)c23)cc1", "CCCN(C)C(=O)c1cccc(C(=O)N(C)CCC)n1",
              *data.load_molecules("test", n=100).smiles]:
        k = smiles.to_kekule(s)
        assert canonical_kekule_graph(k) == k, f"to_kekule({s!r}) = {k!r} is not canonical for its Kekulé graph"
    assert smiles.to_kekule("CCCN(C)C(=O)c1cccc(C(=O)N(C)CCC)n1") == "CCCN(C)C(=O)C1=CC=CC(C(=O)N(C)CCC)=N1"


def test_to_selfies_refuses_what_breaks_the_selfies_valence_rules():
    """Five bonds on a carbon: the SELFIES encoder's strict mode refuses it (it would not decode back to the same
    molecule), and to_selfies says which SMILES."""
    with pytest.raises(ValueError, match=r"cannot convert SMILES 'FC\(F\)\(F\)\(F\)F' to SELFIES"):
        smiles.to_selfies("FC(F)(F)(F)F")


def test_vocabulary_equality_default_kind_and_json_keep_the_kind():
    v = smiles.Vocabulary(["C", "O"])
    assert v.kind == "smiles" and v.itos == ["<pad>", "<bos>", "<eos>", "<mask>", "C", "O"]
    assert (v == "C") is False and (v == ["C", "O"]) is False, "a Vocabulary equals only a Vocabulary"
    assert v != smiles.Vocabulary(["C", "O"], kind="kekule") and v != smiles.Vocabulary(["O", "C"])
    sel = smiles.Vocabulary.build(["[C][=O]", "[C][C]"], kind="selfies")
    assert sel.kind == "selfies", f"Vocabulary.build(kind='selfies'): got kind {sel.kind!r}"
    back = smiles.Vocabulary.from_json(sel.to_json())
    assert back.kind == "selfies" and back == sel, f"from_json(to_json()) lost the kind: {back.kind!r}"
    with pytest.raises(ValueError, match="unique"):
        smiles.Vocabulary(["C", "O", "C"])
    assert smiles.Vocabulary(["<pad>", "C", "<eos>"]).itos == ["<pad>", "<bos>", "<eos>", "<mask>", "C"]


def test_vocabulary_build_orders_by_count_then_alphabetically():
    """Tokens of CCO, CN, OO: C x3, O x3, N x1 -> C, O (a tie, alphabetical), then N."""
    vocab = smiles.Vocabulary.build(["CCO", "CN", "OO"])
    assert vocab.itos[4:] == ["C", "O", "N"], f"Vocabulary.build order: expected C, O, N, got {vocab.itos[4:]}"
    vocab = smiles.Vocabulary.build(["N", "NO", "OC", "N"])
    assert vocab.itos[4:] == ["N", "O", "C"], f"Vocabulary.build order: expected N, O, C, got {vocab.itos[4:]}"


def test_encode_batch_names_the_first_molecule_that_is_too_long():
    """max_len 4: 'CC' needs exactly 4 positions (fits), 'CCCC' needs 6 (the one named)."""
    vocab = smiles.Vocabulary.build(["CCCC"])
    with pytest.raises(ValueError, match=r"^'CCCC' needs 6 positions with <bos>/<eos>, more than max_len=4$"):
        vocab.encode_batch(["CC", "CCCC"], max_len=4)
    ids = vocab.encode_batch(["CC", "C"], max_len=4)
    assert ids.tolist() == [[1, 4, 4, 2], [1, 4, 2, 0]] and ids.dtype == torch.long
