"""The SMILES grammar-and-valence mask, checked against RDKit (an independent parser)."""

from __future__ import annotations

import random

import pytest
import torch
from rdkit import Chem

from course_utils import chem, data, grammar, seqvae, smiles
from course_utils.smiles import Vocabulary


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    strings = [smiles.to_kekule(s) for s in data.load_molecules("test").smiles]
    return Vocabulary(Vocabulary.build(strings).itos, kind="kekule")


@pytest.fixture(scope="module")
def g(vocab: Vocabulary) -> grammar.SmilesGrammar:
    return grammar.SmilesGrammar(vocab)


def allowed_after(g: grammar.SmilesGrammar, prefix: str) -> set[str]:
    """The tokens offered after ``prefix`` (state_after raises if the mask refuses a token of it)."""
    return {g.vocab.itos[i] for i in g.allowed(g.state_after(smiles.tokenize(prefix)))}


@pytest.mark.parametrize("symbol", ["B", "C", "N", "O", "F", "P", "S", "Cl", "Br", "I"])
def test_max_valence_is_rdkits_largest_allowed_valence(symbol: str) -> None:
    table = Chem.GetPeriodicTable()
    assert grammar.max_valence(symbol) == max(table.GetValenceList(table.GetAtomicNumber(symbol)))


def test_max_valence_of_bracket_atoms_counts_their_hydrogens() -> None:
    assert grammar.max_valence("[NH+]") == 3      # N+ carries 4 bonds, one is the H
    assert grammar.max_valence("[NH4+]") == 0
    assert grammar.max_valence("[O-]") == 1
    assert grammar.max_valence("[C@@H]") == 3
    with pytest.raises(ValueError, match="not an atom"):
        grammar.max_valence("[Xx]")


def test_mask_accepts_every_molecule_of_the_test_split(g: grammar.SmilesGrammar) -> None:
    test = data.load_molecules("test").smiles
    rejected = [s for s in test if not g.accepts(s)]
    assert not rejected, f"{len(rejected)} valid molecules refused, e.g. {rejected[:3]}"


def test_random_walks_inside_the_mask_are_valid_molecules(g: grammar.SmilesGrammar) -> None:
    """Uniformly random tokens among the allowed ones: RDKit must accept every finished string."""
    chem.silence_rdkit()
    rng = random.Random(0)
    out = []
    for _ in range(1500):
        row, tokens = g.start(1)[0], []
        for step in range(300):
            ids = g.allowed(row)
            assert ids, f"dead end after {g.vocab.decode(tokens)!r}"
            closing = [i for i in ids if i in (Vocabulary.eos_id, g.close_id) or i in row.rings]
            token = rng.choice(closing) if closing and rng.random() < step / 40 else rng.choice(ids)
            if token == Vocabulary.eos_id:
                break
            g.step(row, token)
            tokens.append(token)
        out.append(g.vocab.decode(tokens))
    invalid = [s for s in out if Chem.MolFromSmiles(s) is None]
    assert not invalid, f"{len(invalid)} of {len(out)} random walks invalid, e.g. {invalid[:3]}"
    assert len(set(out)) > 700 and max(map(len, out)) > 40  # not a few trivial strings


def test_hand_made_prefixes(g: grammar.SmilesGrammar) -> None:
    assert allowed_after(g, "") == {"C", "N", "O", "S", "F", "Cl", "Br"}          # an atom first
    assert "<eos>" not in allowed_after(g, "C1CC")                                 # ring 1 open
    assert "1" in allowed_after(g, "C1CC")
    assert "1" not in allowed_after(g, "C1C")                                      # would bond C-C twice
    assert "1" not in allowed_after(g, "C1") and "2" in allowed_after(g, "C1")     # not onto itself
    assert ")" not in allowed_after(g, "CC")                                       # no open branch
    assert ")" not in allowed_after(g, "CC(") and "<eos>" not in allowed_after(g, "CC(C")
    assert allowed_after(g, "CF") & {"C", "N", "(", "=", "1"} == set()               # F has no bond left
    after_n = allowed_after(g, "CN(C)")
    assert "C" in after_n and "=" not in after_n                                   # N: one bond left
    assert "#" not in allowed_after(g, "C=C") and "=" in allowed_after(g, "C=C")
    assert allowed_after(g, "C=") <= {"C", "N", "O", "S", "1", "2", "3", "4", "5"}  # an atom or a ring bond
    assert {"C", "N"} <= allowed_after(g, "C#") and "O" not in allowed_after(g, "C#")  # O carries 2 bonds
    assert "F" not in allowed_after(g, "C1CCCC#")
    assert allowed_after(g, "O1CCO1") == {"<eos>"}                                 # both O full, all closed


def test_no_dead_end_when_rings_are_open(g: grammar.SmilesGrammar) -> None:
    # after C-O the oxygen has one bond left: opening a ring there would leave nothing to close it with
    assert "2" not in allowed_after(g, "CO")
    # N2 opens a ring and has one bond left: a halogen there would leave ring 2 unclosable
    assert "F" not in allowed_after(g, "CN2") and "C" in allowed_after(g, "CN2")


def test_aromatic_and_selfies_vocabularies_are_refused() -> None:
    with pytest.raises(ValueError, match="Kekulé"):
        grammar.SmilesGrammar(Vocabulary(["c", "C", "1", "n"], kind="smiles"))
    with pytest.raises(ValueError, match="SMILES vocabulary"):
        grammar.SmilesGrammar(Vocabulary(["[C]", "[=O]"], kind="selfies"))


def test_masked_sampling_draws_from_the_renormalised_distribution(vocab: Vocabulary,
                                                                  g: grammar.SmilesGrammar) -> None:
    """First token, fixed logits: frequencies match softmax restricted to the allowed tokens."""
    logits = torch.linspace(-1.0, 2.0, len(vocab))
    n = 20_000

    def step(token: torch.Tensor, hidden: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        return logits.expand(token.shape[0], 1, -1).clone(), torch.zeros(1)

    ids = seqvae.autoregressive_decode(step, n, torch.device("cpu"), 1.0, 2, torch.Generator().manual_seed(0), g)
    first = ids[:, 1]
    atoms = sorted(g.valence)
    expected = torch.softmax(logits[atoms], 0)
    observed = torch.tensor([(first == a).float().mean().item() for a in atoms])
    assert set(first.tolist()) <= set(atoms)
    assert torch.allclose(observed, expected, atol=4 * (0.25 / n) ** 0.5)


def test_random_decoder_under_the_mask_writes_valid_molecules(vocab: Vocabulary, g: grammar.SmilesGrammar) -> None:
    """An untrained model is mostly invalid alone; under the mask every string it finishes is valid."""
    from course_utils import metrics

    chem.silence_rdkit()
    torch.manual_seed(0)
    model = seqvae.SmilesVAE(seqvae.SeqVAEConfig(len(vocab), max_len=120)).eval()
    free = model.sample(300, generator=torch.Generator().manual_seed(1))
    masked = model.sample(300, generator=torch.Generator().manual_seed(1), grammar=g)
    ended = [vocab.decode(row.tolist()) for row in masked if (row == Vocabulary.eos_id).any()]
    assert metrics.validity(vocab.decode_batch(free)) < 0.5
    assert len(ended) > 100 and metrics.validity(ended) == 1.0  # only strings cut off at max_len can fail


def test_state_after_names_the_token_it_cannot_take(g: grammar.SmilesGrammar) -> None:
    assert g.state_after(["C", "C"]).free == g.state_after([g.vocab.stoi["C"]] * 2).free == [3, 3]
    with pytest.raises(ValueError, match="refuses '=' after 'CF'"):
        g.state_after(smiles.tokenize("CF=C"))
    with pytest.raises(ValueError, match="not in the vocabulary"):
        g.state_after(["C", "c"])


# -- pins of the parser state against RDKit and hand-worked cases (issue #23's mutation audit) -----------------


def test_free_valence_after_each_molecule_is_rdkits_hydrogen_count(g: grammar.SmilesGrammar) -> None:
    """After a whole molecule of C, N, O and halogens (one allowed valence each), an atom's free valence is
    the number of hydrogens RDKit gives it: rings closed with a higher order than opened included."""
    chem.silence_rdkit()
    plain = {"C", "N", "O", "F", "Cl", "Br"}
    molecules = [s for s in (smiles.to_kekule(t) for t in data.load_molecules("test").smiles)
                 if set(smiles.tokenize(s)) - set(grammar.BOND_ORDERS) - set("()123456789") <= plain]
    molecules = random.Random(0).sample(molecules, 150)  # the whole split is replayed by the test above
    molecules += ["C1CCC=1", "C1=CCC1", "C12(CN1)CC2", "C(O1)C1", "C=1CCC=1"]
    for s in molecules:
        mol = Chem.MolFromSmiles(s)
        expected = [a.GetTotalNumHs() for a in mol.GetAtoms()]
        assert g.state_after(smiles.tokenize(s)).free == expected, s


def test_state_after_a_ring_closed_with_a_double_bond(g: grammar.SmilesGrammar) -> None:
    # C0 reserved one bond for ring 1; "=1" takes one more from it: 4 - 1 - 1 (C1) - 1 = 1, as in cyclobutene
    row = g.state_after(smiles.tokenize("C1CCC=1"))
    assert row.free == [1, 2, 2, 1] and row.rings == {} and row.neighbours[0] == {1, 3}


def test_a_ring_closure_records_the_bond_on_both_atoms(g: grammar.SmilesGrammar) -> None:
    """C1(CC12): C2 closes ring 1 onto C0 and opens ring 2; back at C0, closing ring 2 would bond C0-C2 twice
    (RDKit: "duplicates bond")."""
    assert Chem.MolFromSmiles("C1(CC12)2") is None
    assert "2" not in allowed_after(g, "C1(CC12)")
    assert g.state_after(smiles.tokenize("C1(CC1")).neighbours[0] == {1, 2}


def test_ring_opened_on_an_atom_with_one_bond_left(g: grammar.SmilesGrammar) -> None:
    """C(O: the O has one bond left; a ring opened there can be closed from the branch point C (C(O1)C1 is
    oxirane's skeleton), so it is allowed; so is a branch on it (CO(C), dimethyl ether)."""
    assert Chem.MolFromSmiles("C(O1)C1") is not None and Chem.MolFromSmiles("CO(C)") is not None
    assert "1" in allowed_after(g, "C(O")
    assert "(" in allowed_after(g, "CO")
    assert g.accepts("C(O1)C1") and g.accepts("CO(C)")


def test_a_ring_closure_that_would_strand_another_open_ring_is_refused(g: grammar.SmilesGrammar) -> None:
    """C12(CN=1: the double closure fills C0 (ring 1 = 2, ring 2 reserved, the branch C) and N; ring 2 could then
    never close (no atom that later tokens reach has a bond left). Brute force: no continuation of up to three
    tokens is a molecule RDKit reads. Closing ring 1 with a single bond instead leaves C0 a bond: C12(CN1)CC2."""
    chem.silence_rdkit()
    assert "1" not in allowed_after(g, "C12(CN=")
    assert "1" in allowed_after(g, "C12(CN") and g.accepts("C12(CN1)CC2")
    assert Chem.MolFromSmiles("C12(CN1)CC2") is not None
    tokens = [t for t in g.vocab.itos if not t.startswith("<")]
    stuck = "C12(CN=1"
    completions = [stuck + a + b + c for a in tokens for b in [""] + tokens for c in ([""] + tokens if b else [""])]
    assert not [s for s in completions if Chem.MolFromSmiles(s) is not None]


def test_bracket_atoms_and_two_digit_ring_labels() -> None:
    """A vocabulary with [NH+] (three bonds: its H is one of N+'s four) and %10: the grammar, built here, knows
    both; its mask has one column per token."""
    vocab = Vocabulary(Vocabulary.build(["C[NH+](C)C", "C%10CC%10", "C1CC1"]).itos, kind="kekule")
    g = grammar.SmilesGrammar(vocab)
    nh = vocab.stoi["[NH+]"]
    assert g.valence[nh] == 3 and vocab.stoi["%10"] in g.labels and vocab.stoi["1"] in g.labels
    assert set(g.labels) == {vocab.stoi["%10"], vocab.stoi["1"]}
    assert g.accepts("C[NH+](C)C") and g.accepts("C%10CC%10")
    assert "C" in {vocab.itos[i] for i in g.allowed(g.state_after(smiles.tokenize("C[NH+](C)")))}
    assert "C" not in {vocab.itos[i] for i in g.allowed(g.state_after(smiles.tokenize("C[NH+](C)(C)")))}
    assert "(" not in {vocab.itos[i] for i in g.allowed(g.state_after(smiles.tokenize("C[NH+](C)(C)")))}
    mask = g.mask(g.start(3))
    assert mask.shape == (3, len(vocab)) and mask.dtype == torch.bool
    assert {vocab.itos[i] for i in mask[0].nonzero().flatten().tolist()} == {"C", "[NH+]"}


def test_max_valence_is_capped_at_eight() -> None:
    """RDKit lets iron carry any number of bonds: the measure stops at 8."""
    chem.silence_rdkit()
    assert chem.is_valid("[Fe]" + "(C)" * 9)
    assert grammar.max_valence("[Fe]") == 8


def test_accepts_is_false_for_a_refused_or_unfinished_string() -> None:
    """A plain-SMILES vocabulary encodes any string it can tokenize (a Kekulé one checks the molecule first)."""
    g = grammar.SmilesGrammar(Vocabulary(["C", "N", "F", "=", "(", ")", "1", "."], kind="smiles"))
    assert not g.accepts("CF=C")       # "=" refused after F
    assert not g.accepts("CC)C")       # no branch open
    assert not g.accepts("C.C")        # one molecule: "." is never allowed
    assert not g.accepts("C1CC")       # ring 1 never closed: no <eos> yet
    assert g.accepts("C1CC1") and g.accepts("CN(C)C")


def test_state_after_names_a_refused_token_given_as_an_id(g: grammar.SmilesGrammar) -> None:
    ids = [g.vocab.stoi[t] for t in smiles.tokenize("CF=C")]
    with pytest.raises(ValueError, match="refuses '=' after 'CF'"):
        g.state_after(ids)


def test_pad_and_eos_finish_a_row_and_finished_rows_allow_only_pad(g: grammar.SmilesGrammar) -> None:
    rows = g.start(3)
    g.step(rows[0], Vocabulary.pad_id)
    g.step(rows[1], g.vocab.stoi["C"])
    g.step(rows[1], Vocabulary.eos_id)
    assert rows[0].done and rows[1].done and not rows[2].done
    assert g.allowed(rows[0]) == g.allowed(rows[1]) == [Vocabulary.pad_id]
    g.step(rows[1], g.vocab.stoi["C"])  # a finished row ignores what comes after
    assert rows[1].free == [4]
    mask = g.mask(rows)
    assert mask[0].tolist() == mask[1].tolist() == [i == Vocabulary.pad_id for i in range(len(g.vocab))]


def test_advance_needs_one_token_per_row(g: grammar.SmilesGrammar) -> None:
    with pytest.raises(ValueError):
        g.advance(g.start(2), torch.tensor([g.vocab.stoi["C"]]))
    rows = g.start(2)
    g.advance(rows, torch.tensor([g.vocab.stoi["C"], g.vocab.stoi["N"]]))
    assert rows[0].free == [4] and rows[1].free == [3]
