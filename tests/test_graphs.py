"""course_utils.graphs: the graph decoder's molecules are checked against RDKit's own reading of SMILES.

Independent computations: canonical SMILES of molecules RDKit parses from strings, bond orders
counted per atom by hand over the pairs, connectivity by a hand-written flood fill, sampling
frequencies against the renormalised probabilities.
"""

from __future__ import annotations

import numpy as np
import pytest
import selfies as sf
import torch
from rdkit import Chem

from course_utils import graphs
from course_utils.smiles import tokenize

VALENCE = {"C": 4, "N": 3, "O": 2, "F": 1}  # written out here, not read from the module


def graph(atoms: list[str], bonds: dict[tuple[int, int], int]) -> tuple[list[str], np.ndarray]:
    adj = np.zeros((len(atoms), len(atoms)), dtype=int)
    for (i, j), order in bonds.items():
        adj[i, j] = adj[j, i] = order
    return atoms, adj


def canonical(mol: Chem.Mol) -> str:
    return Chem.MolToSmiles(mol)


def hand_valences(atoms: list[str], adj: np.ndarray) -> list[int]:
    used = [0] * len(atoms)
    for i in range(len(atoms)):
        for j in range(i + 1, len(atoms)):
            used[i] += int(adj[i, j])
            used[j] += int(adj[i, j])
    return used


def hand_within_valence(atoms: list[str], adj: np.ndarray) -> bool:
    return all(u <= VALENCE[a] for a, u in zip(atoms, hand_valences(atoms, adj), strict=True))


def hand_connected(adj: np.ndarray) -> bool:
    n = len(adj)
    if n == 0:
        return False
    reached, changed = {0}, True
    while changed:
        changed = False
        for i in range(n):
            for j in range(n):
                if i in reached and adj[i][j] and j not in reached:
                    reached.add(j)
                    changed = True
    return len(reached) == n


@pytest.mark.parametrize(("atoms", "bonds", "smiles"), [
    (["C", "C", "O"], {(0, 1): 1, (1, 2): 1}, "CCO"),  # ethanol
    (["C"] * 6, {(0, 1): 2, (1, 2): 1, (2, 3): 2, (3, 4): 1, (4, 5): 2, (0, 5): 1}, "c1ccccc1"),  # Kekulé benzene
    (["C", "C", "N"], {(0, 1): 1, (1, 2): 3}, "CC#N"),  # acetonitrile
    (["O", "C", "O"], {(0, 1): 2, (1, 2): 2}, "O=C=O"),
    (["F", "C", "F"], {(0, 1): 1, (1, 2): 1}, "FCF"),
    (["N"], {}, "N"),  # one atom is one molecule (ammonia)
])
def test_does_graph_to_mol_give_the_molecule_rdkit_reads_from_smiles(atoms, bonds, smiles):
    mol = graphs.graph_to_mol(*graph(atoms, bonds))
    assert mol is not None, f"{smiles} built as a graph was refused"
    assert canonical(mol) == canonical(Chem.MolFromSmiles(smiles))


@pytest.mark.parametrize(("atoms", "bonds", "why"), [
    (["C"] * 6, {(0, k): 1 for k in range(1, 6)}, "pentavalent carbon"),
    (["O", "C", "O"], {(0, 1): 2, (1, 2): 3}, "carbon with bond orders 2 + 3"),
    (["F", "F", "F"], {(0, 1): 1, (1, 2): 1}, "fluorine with two bonds"),
    (["C", "C", "O"], {(0, 1): 1}, "two fragments (ethane and water)"),
    (["C", "O"], {}, "two unbonded atoms"),
    ([], {}, "empty graph"),
])
def test_is_a_graph_that_is_not_one_molecule_refused(atoms, bonds, why):
    assert graphs.graph_to_mol(*graph(atoms, bonds)) is None, why


@pytest.mark.parametrize(("atoms", "adj", "fragment"), [
    (["C", "C"], [[0, 1], [2, 0]], "symmetric"),
    (["C", "C"], [[1, 1], [1, 0]], "zero diagonal"),
    (["C", "C"], [[0, 4], [4, 0]], "bond orders 0-3"),
    (["C", "C"], [[0, 0.5], [0.5, 0]], "bond orders 0-3"),
    (["C", "C"], [[0, 1, 0], [1, 0, 0], [0, 0, 0]], "(2, 2)"),
    (["C", "Cl"], [[0, 1], [1, 0]], "unknown atom types ['Cl']"),
])
def test_does_malformed_input_raise_a_clear_error(atoms, adj, fragment):
    with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        graphs.graph_to_mol(atoms, adj)
    with pytest.raises(TypeError, match="sequence of atom symbols"):
        graphs.graph_to_mol("CC", [[0, 1], [1, 0]])


def test_is_a_random_graph_valid_exactly_when_hand_counted_valences_hold_and_it_is_connected():
    rng = np.random.default_rng(1)
    outcomes = set()
    for _ in range(400):
        n = int(rng.integers(0, 6))
        atoms = list(rng.choice(["C", "N", "O", "F"], size=n))
        adj = np.triu(rng.choice(4, size=(n, n), p=[0.55, 0.3, 0.1, 0.05]), 1)
        adj = adj + adj.T
        expected = n > 0 and hand_connected(adj) and hand_within_valence(atoms, adj)
        got = graphs.graph_to_mol(atoms, adj) is not None
        assert got == expected, f"atoms {atoms}, adjacency\n{adj}"
        assert graphs.within_valence(atoms, adj) == hand_within_valence(atoms, adj)
        assert graphs.is_connected(adj) == hand_connected(adj)
        outcomes.add(got)
    assert outcomes == {True, False}, "the random graphs should include valid and invalid ones"


def sampled(decoder: graphs.GraphDecoder, n: int, mask: bool, seed: int):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        atom_logits, bond_logits = decoder(torch.randn(n, decoder.latent_dim, generator=g))
    return graphs.decode_graphs(atom_logits, bond_logits, valence_mask=mask, generator=g)


def test_does_the_valence_mask_never_exceed_an_atoms_valence_counted_by_hand():
    decoder = graphs.GraphDecoder(seed=3)
    # also logits that push every pair hard towards a triple bond: the mask must still hold
    heavy = torch.zeros(200, decoder.n_pairs, 4)
    heavy[..., 3] = 5.0
    atom_logits = torch.zeros(200, graphs.MAX_ATOMS, 5)
    pushed = graphs.decode_graphs(atom_logits, heavy, valence_mask=True, generator=torch.Generator().manual_seed(0))
    for atoms, adj in sampled(decoder, 300, True, 0) + pushed:
        assert hand_within_valence(atoms, adj), (atoms, adj)
    unmasked = graphs.decode_graphs(atom_logits, heavy, generator=torch.Generator().manual_seed(0))
    assert not all(graphs.within_valence(a, adj) for a, adj in unmasked), "without the mask these logits overfill atoms"


def test_does_the_mask_renormalise_the_allowed_bond_orders():
    """Two fluorines (one free valence each), bond probabilities 0.1/0.2/0.3/0.4: masked, P(single) = 0.2/0.3."""
    n = 4000
    atom_logits = torch.full((n, 2, 5), -1e4)
    atom_logits[..., 4] = 0.0  # class 4 = F
    bond_logits = torch.log(torch.tensor([0.1, 0.2, 0.3, 0.4])).expand(n, 1, 4)
    out = graphs.decode_graphs(atom_logits, bond_logits, valence_mask=True, generator=torch.Generator().manual_seed(0))
    assert all(a == ["F", "F"] for a, _ in out)
    single = np.mean([adj[0, 1] == 1 for _, adj in out])
    assert abs(single - 2 / 3) < 4 * np.sqrt(2 / 9 / n)
    free = graphs.decode_graphs(atom_logits, bond_logits, generator=torch.Generator().manual_seed(0))
    triple = np.mean([adj[0, 1] == 3 for _, adj in free])
    assert abs(triple - 0.4) < 4 * np.sqrt(0.24 / n)


def test_is_everything_deterministic_given_the_seeds():
    state = torch.random.get_rng_state()
    a, b = graphs.GraphDecoder(seed=7), graphs.GraphDecoder(seed=7)
    assert torch.equal(torch.random.get_rng_state(), state), "building a seeded decoder must not move the global RNG"
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    first, again = sampled(a, 50, True, 1), sampled(b, 50, True, 1)
    assert all(x[0] == y[0] and np.array_equal(x[1], y[1]) for x, y in zip(first, again, strict=True))
    other = sampled(a, 50, True, 2)
    assert any(x[0] != y[0] or not np.array_equal(x[1], y[1]) for x, y in zip(first, other, strict=True))
    measured = [graphs.validity_of_graph_decoder(d, 100, valence_mask=True, seed=1) for d in (a, b)]
    assert measured[0] == measured[1]


def test_do_the_validity_fractions_match_a_recount_of_the_same_graphs():
    decoder = graphs.GraphDecoder(seed=0)
    for mask in (False, True):
        result = graphs.validity_of_graph_decoder(decoder, 200, valence_mask=mask, seed=5)
        graphs_ = sampled(decoder, 200, mask, 5)
        valence_ok = [hand_within_valence(atoms, adj) for atoms, adj in graphs_]
        connected = [hand_connected(adj) for _, adj in graphs_]
        assert result["within_valence"] == pytest.approx(np.mean(valence_ok))
        assert result["connected"] == pytest.approx(np.mean(connected))
        assert result["valid"] == pytest.approx(np.mean([v and c for v, c in zip(valence_ok, connected, strict=True)]))
    assert result["within_valence"] == 1.0


def test_do_random_strings_count_as_valid_exactly_when_rdkit_reads_one_molecule():
    smiles = graphs.random_strings(graphs.SMILES_TOKENS, 300, seed=4)
    assert all(1 <= len(s) for s in smiles)
    def one_molecule(s: str) -> bool:
        mol = Chem.MolFromSmiles(s) if s else None
        return mol is not None and mol.GetNumAtoms() > 0 and "." not in Chem.MolToSmiles(mol)
    expected = np.mean([one_molecule(s) for s in smiles])
    assert graphs.random_string_validity("smiles", 300, seed=4) == pytest.approx(expected)
    selfies = graphs.random_strings(graphs.SELFIES_TOKENS, 300, seed=4)
    expected = np.mean([one_molecule(sf.decoder(s)) for s in selfies])
    assert graphs.random_string_validity("selfies", 300, seed=4) == pytest.approx(expected)
    grammar = graphs.random_grammar_strings(300, seed=4)
    expected = np.mean([one_molecule(s) for s in grammar])
    assert graphs.random_string_validity("grammar", 300, seed=4) == pytest.approx(expected)
    assert graphs.string_to_mol("C.O") is None and graphs.string_to_mol("") is None
    with pytest.raises(ValueError, match="'smiles', 'grammar' or 'selfies'"):
        graphs.random_string_validity("inchi")


def test_do_bad_shapes_raise_errors_that_name_the_expected_shape():
    decoder = graphs.GraphDecoder(latent_dim=4, max_atoms=3, seed=0)
    with pytest.raises(ValueError, match=r"\(batch, 4\)"):
        decoder(torch.zeros(2, 5))
    atom_logits, bond_logits = decoder(torch.zeros(2, 4))
    assert atom_logits.shape == (2, 3, 5) and bond_logits.shape == (2, 3, 4)
    with pytest.raises(ValueError, match=r"\(2, 3, 4\)"):
        graphs.decode_graphs(atom_logits, bond_logits[:, :2])
    with pytest.raises(ValueError, match="max_atoms must be between 1 and 9"):
        graphs.GraphDecoder(max_atoms=10)


def test_does_the_grammar_mask_fail_only_by_running_out_of_tokens():
    """Under the mask a string is invalid only if it is still open at the length limit."""
    strings = graphs.random_grammar_strings(300, max_tokens=12, seed=2)
    assert all(set(tokenize(s)) <= set(graphs.SMILES_TOKENS) for s in strings)
    lengths = [len(tokenize(s)) for s in strings]
    assert max(lengths) == 12
    for s, k in zip(strings, lengths, strict=True):
        mol = Chem.MolFromSmiles(s)
        if k < 12:
            assert mol is not None and "." not in Chem.MolToSmiles(mol), f"{s!r} finished under the mask but is invalid"
    assert any(Chem.MolFromSmiles(s) is None for s in strings), "some strings should be cut off open"
