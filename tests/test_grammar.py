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
