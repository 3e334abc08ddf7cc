"""A tiny graph decoder: z -> atom types and an adjacency matrix, and how often that is a molecule.

A string decoder writes a molecule as tokens; a **graph decoder** writes it as a graph in one go
(GraphVAE: Simonovsky & Komodakis, 2018): for each of ``max_atoms`` slots a distribution over
"no atom" and the atom types, and for each pair of slots a distribution over bond orders 0-3 (the
upper triangle of a symmetric adjacency matrix). Nothing in that output forces a carbon to stop
at four bonds or the atoms to form one molecule. :func:`graph_to_mol` builds and sanitizes the
RDKit molecule (``None`` when the graph is not one molecule); :func:`decode_graphs` samples graphs
from the decoder's logits, optionally under a **valence mask** that forbids any bond order that
would take an atom past its valence (the idea of constrained graph decoders, Liu et al., 2018).

For a fair comparison, :func:`random_string_validity` measures what a representation guarantees
with no learning at all: strings of random tokens of one small vocabulary, as SMILES and as
SELFIES (Krenn et al., 2020). An untrained decoder is the graph counterpart.

Shapes: ``z`` is ``(batch, latent)``; atom logits ``(batch, max_atoms, 1 + len(ATOM_TYPES))``
(class 0 = empty slot); bond logits ``(batch, n_pairs, 4)`` with ``n_pairs = max_atoms (max_atoms - 1) / 2``,
pairs in the order of ``numpy.triu_indices(max_atoms, 1)`` and class k = bond order k.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import selfies as sf
import torch
from rdkit import Chem
from torch import nn

from course_utils import chem
from course_utils.grammar import SmilesGrammar
from course_utils.smiles import Vocabulary

#: Heavy-atom types the decoder can place, and their (neutral, no charge) valences.
ATOM_TYPES: tuple[str, ...] = ("C", "N", "O", "F")
VALENCE: dict[str, int] = {"C": 4, "N": 3, "O": 2, "F": 1}
MAX_ATOMS = 9
MAX_BOND_ORDER = 3
_BOND_TYPES = {1: Chem.BondType.SINGLE, 2: Chem.BondType.DOUBLE, 3: Chem.BondType.TRIPLE}

#: Tokens of the random-string baselines: the same four atoms, bond orders 2-3, branches, two ring labels.
SMILES_TOKENS: tuple[str, ...] = ("C", "N", "O", "F", "=", "#", "(", ")", "1", "2")
SELFIES_TOKENS: tuple[str, ...] = ("[C]", "[N]", "[O]", "[F]", "[=C]", "[=N]", "[=O]", "[#C]", "[#N]",
                                   "[Branch1]", "[=Branch1]", "[Ring1]")


def _check_graph(atoms: Sequence[str], adjacency: np.ndarray | torch.Tensor | Sequence) -> np.ndarray:
    """The adjacency as an (n, n) int64 array after checking it against ``atoms``; raises on malformed input."""
    if isinstance(atoms, str):
        raise TypeError(f"atoms must be a sequence of atom symbols such as ['C', 'O'], got the string {atoms!r}")
    unknown = [a for a in atoms if a not in VALENCE]
    if unknown:
        raise ValueError(f"unknown atom types {unknown}; the decoder places only {list(ATOM_TYPES)}")
    adj = adjacency.detach().cpu().numpy() if isinstance(adjacency, torch.Tensor) else np.asarray(adjacency)
    n = len(atoms)
    if adj.shape != (n, n):
        raise ValueError(f"adjacency must be ({n}, {n}) for {n} atoms, got shape {adj.shape}")
    if n and (not np.array_equal(adj, np.round(adj)) or adj.min() < 0 or adj.max() > MAX_BOND_ORDER):
        raise ValueError(f"adjacency entries must be bond orders 0-{MAX_BOND_ORDER}, got values {np.unique(adj)}")
    adj = adj.astype(np.int64)
    if not np.array_equal(adj, adj.T):
        raise ValueError("adjacency must be symmetric (a bond i-j is also a bond j-i)")
    if np.any(np.diag(adj)):
        raise ValueError("adjacency must have a zero diagonal (an atom is not bonded to itself)")
    return adj


def bond_order_sums(atoms: Sequence[str], adjacency: np.ndarray | torch.Tensor | Sequence) -> np.ndarray:
    """(n,) sum of bond orders at each atom: the valence the graph uses (row sums of the adjacency)."""
    return _check_graph(atoms, adjacency).sum(axis=1)


def within_valence(atoms: Sequence[str], adjacency: np.ndarray | torch.Tensor | Sequence) -> bool:
    """Whether no atom carries more bond order than its valence (``VALENCE``); says nothing about connectivity."""
    used = bond_order_sums(atoms, adjacency)
    return bool(all(u <= VALENCE[a] for a, u in zip(atoms, used, strict=True)))


def is_connected(adjacency: np.ndarray | Sequence) -> bool:
    """Whether an (n, n) adjacency (nonzero = bonded) is one connected piece; an empty graph is not."""
    adj = np.asarray(adjacency)
    if adj.shape[0] == 0:
        return False
    seen, frontier = {0}, [0]
    while frontier:
        i = frontier.pop()
        new = {int(j) for j in np.nonzero(adj[i])[0]} - seen
        seen |= new
        frontier.extend(new)
    return len(seen) == adj.shape[0]


def graph_to_mol(atoms: Sequence[str], adjacency: np.ndarray | torch.Tensor | Sequence) -> Chem.Mol | None:
    """Build and sanitize the molecule of a graph; ``None`` when it is not one valid molecule.

    Parameters
    ----------
    atoms : n atom symbols from ``ATOM_TYPES``.
    adjacency : (n, n) symmetric bond orders 0-3 with a zero diagonal.

    Returns ``None`` for an empty graph, a valence RDKit refuses (a five-bonded carbon) and a graph
    of more than one connected piece (two fragments are not *a* molecule). Hydrogens are implicit:
    each atom is filled up to its valence. Malformed input (shape, asymmetry, orders outside 0-3,
    unknown atoms) raises ``ValueError`` instead, since that is a bug, not an invalid molecule.
    """
    return _to_mol(atoms, _check_graph(atoms, adjacency))


def _to_mol(atoms: Sequence[str], adj: np.ndarray) -> Chem.Mol | None:
    """graph_to_mol without the input checks (for graphs that decode_graphs made)."""
    if not atoms:
        return None
    mol = Chem.RWMol()
    for symbol in atoms:
        mol.AddAtom(Chem.Atom(symbol))
    for i, j in zip(*np.nonzero(np.triu(adj, 1)), strict=True):
        mol.AddBond(int(i), int(j), _BOND_TYPES[int(adj[i, j])])
    mol = mol.GetMol()
    try:
        Chem.SanitizeMol(mol)
    except (Chem.AtomValenceException, Chem.KekulizeException, ValueError, RuntimeError):
        return None
    if len(Chem.GetMolFrags(mol)) != 1:
        return None
    return mol


def string_to_mol(smiles: str) -> Chem.Mol | None:
    """Parse a SMILES string by the same rule as :func:`graph_to_mol`: one sanitized molecule, else ``None``."""
    mol = Chem.MolFromSmiles(smiles) if smiles else None
    if mol is None or mol.GetNumAtoms() == 0 or len(Chem.GetMolFrags(mol)) != 1:
        return None
    return mol


class GraphDecoder(nn.Module):
    """MLP decoder z -> (atom logits, bond logits); see the module docstring for the shapes.

    ``seed`` fixes the initial weights without touching the global random state, so an untrained
    decoder is one reproducible random function of z.
    """

    def __init__(self, latent_dim: int = 16, hidden_dim: int = 128, max_atoms: int = MAX_ATOMS,
                 seed: int | None = None) -> None:
        super().__init__()
        if not 1 <= max_atoms <= MAX_ATOMS:
            raise ValueError(f"max_atoms must be between 1 and {MAX_ATOMS}, got {max_atoms}")
        self.latent_dim, self.max_atoms = latent_dim, max_atoms
        self.n_pairs = max_atoms * (max_atoms - 1) // 2
        self.n_atom_classes = 1 + len(ATOM_TYPES)
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            self.body = nn.Sequential(nn.Linear(latent_dim, hidden_dim), nn.ReLU())
            self.atom_head = nn.Linear(hidden_dim, max_atoms * self.n_atom_classes)
            self.bond_head = nn.Linear(hidden_dim, self.n_pairs * (MAX_BOND_ORDER + 1))

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z: (batch, latent) -> atom logits (batch, max_atoms, 5), bond logits (batch, n_pairs, 4)."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must be (batch, {self.latent_dim}), got shape {tuple(z.shape)}")
        h = self.body(z)
        return (self.atom_head(h).view(-1, self.max_atoms, self.n_atom_classes),
                self.bond_head(h).view(-1, self.n_pairs, MAX_BOND_ORDER + 1))


def decode_graphs(atom_logits: torch.Tensor, bond_logits: torch.Tensor, valence_mask: bool = False,
                  generator: torch.Generator | None = None) -> list[tuple[list[str], np.ndarray]]:
    """Sample one graph per row: atom types per slot, then a bond order per pair of present atoms.

    Parameters
    ----------
    atom_logits : (batch, max_atoms, 1 + len(ATOM_TYPES)); class 0 leaves the slot empty.
    bond_logits : (batch, max_atoms (max_atoms - 1) / 2, 4); pairs in ``triu_indices`` order.
    valence_mask : if True, pairs are decoded in order and every bond order above the smaller
        free valence of the two atoms gets probability 0, so no atom ever exceeds its valence.

    Returns a list of ``(atoms, adjacency)``: the symbols of the present atoms and their (n, n)
    int64 adjacency (empty slots dropped).
    """
    if atom_logits.dim() != 3 or atom_logits.shape[2] != 1 + len(ATOM_TYPES):
        raise ValueError(f"atom_logits must be (batch, max_atoms, {1 + len(ATOM_TYPES)}), "
                         f"got shape {tuple(atom_logits.shape)}")
    batch, max_atoms, _ = atom_logits.shape
    pairs = np.stack(np.triu_indices(max_atoms, 1), axis=1)
    if tuple(bond_logits.shape) != (batch, len(pairs), MAX_BOND_ORDER + 1):
        raise ValueError(f"bond_logits must be ({batch}, {len(pairs)}, {MAX_BOND_ORDER + 1}) for {max_atoms} "
                         f"atom slots, got shape {tuple(bond_logits.shape)}")
    with torch.no_grad():
        kinds = torch.multinomial(atom_logits.softmax(-1).reshape(-1, atom_logits.shape[2]), 1,
                                  generator=generator).view(batch, max_atoms).tolist()
        cdfs = bond_logits.double().softmax(-1).cumsum(-1).tolist()
        uniform = torch.rand(batch, len(pairs), generator=generator).tolist()  # one draw per pair, mask or not
    graphs = []
    for b in range(batch):
        slots = [k for k in range(max_atoms) if kinds[b][k] > 0]
        index = {slot: i for i, slot in enumerate(slots)}
        atoms = [ATOM_TYPES[kinds[b][k] - 1] for k in slots]
        free = [VALENCE[a] for a in atoms]
        adj = np.zeros((len(atoms), len(atoms)), dtype=np.int64)
        for p, (s, t) in enumerate(pairs.tolist()):
            if s not in index or t not in index:
                continue
            i, j = index[s], index[t]
            cdf = cdfs[b][p]
            top = min(free[i], free[j], MAX_BOND_ORDER) if valence_mask else MAX_BOND_ORDER
            # inverse-CDF sampling restricted to orders 0..top (the masked distribution, renormalised)
            u = uniform[b][p] * cdf[top]
            order = next((k for k in range(top) if u < cdf[k]), top)
            adj[i, j] = adj[j, i] = order
            free[i] -= order
            free[j] -= order
        graphs.append((atoms, adj))
    return graphs


def validity_of_graph_decoder(decoder: GraphDecoder, n: int = 1000, valence_mask: bool = False,
                              seed: int = 0) -> dict[str, float]:
    """Decode ``n`` prior draws z ~ N(0, I) and measure the graphs.

    Returns ``{"valid": fraction that are one sanitized molecule (graph_to_mol is not None),
    "within_valence": fraction in which no atom exceeds its valence, "connected": fraction that
    are one connected piece}``; a graph is valid exactly when it is within valence and connected.
    """
    chem.silence_rdkit()
    if n < 1:
        raise ValueError(f"n must be a positive number of samples, got {n}")
    generator = torch.Generator().manual_seed(seed)
    z = torch.randn(n, decoder.latent_dim, generator=generator)
    with torch.no_grad():
        atom_logits, bond_logits = decoder(z)
    graphs = decode_graphs(atom_logits, bond_logits, valence_mask=valence_mask, generator=generator)
    return {"valid": sum(_to_mol(a, adj) is not None for a, adj in graphs) / n,
            "within_valence": sum(bool(np.all(adj.sum(1) <= [VALENCE[x] for x in a])) for a, adj in graphs) / n,
            "connected": sum(is_connected(adj) for _, adj in graphs) / n}


def random_strings(tokens: Sequence[str], n: int, max_tokens: int = 2 * MAX_ATOMS, seed: int = 0) -> list[str]:
    """``n`` strings of 1 to ``max_tokens`` tokens drawn uniformly from ``tokens`` (length uniform too)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, max_tokens + 1, size=n)
    return ["".join(rng.choice(list(tokens), size=int(k))) for k in lengths]


def random_grammar_strings(n: int, max_tokens: int = 2 * MAX_ATOMS, seed: int = 0) -> list[str]:
    """``n`` SMILES of ``SMILES_TOKENS`` written under the grammar mask (:class:`course_utils.grammar.SmilesGrammar`).

    Each token is drawn uniformly among those the mask allows next (the end of the string is one
    of them once nothing is left open). A string still open after ``max_tokens`` tokens is returned
    as written so far: the mask avoids dead ends but cannot make a string finish in time.
    """
    vocab = Vocabulary(SMILES_TOKENS, kind="kekule")
    grammar = SmilesGrammar(vocab)
    rng = np.random.default_rng(seed)
    strings = []
    for _ in range(n):
        row, ids = grammar.start(1)[0], []
        while not row.done and len(ids) < max_tokens:
            token = int(rng.choice(grammar.allowed(row)))
            grammar.step(row, token)
            if token != Vocabulary.eos_id:
                ids.append(token)
        strings.append(vocab.decode(ids))
    return strings


def random_string_validity(kind: str, n: int = 1000, max_tokens: int = 2 * MAX_ATOMS, seed: int = 0) -> float:
    """Fraction of random token strings that are one molecule; ``kind`` is ``"smiles"``, ``"grammar"`` or ``"selfies"``.

    ``"smiles"``: strings of ``SMILES_TOKENS`` (:func:`random_strings`) parsed as written;
    ``"grammar"``: the same tokens under the grammar mask (:func:`random_grammar_strings`);
    ``"selfies"``: strings of ``SELFIES_TOKENS`` translated to SMILES by the selfies decoder.
    All are then judged by :func:`string_to_mol`.
    """
    if kind not in ("smiles", "grammar", "selfies"):
        raise ValueError(f"kind must be 'smiles', 'grammar' or 'selfies', got {kind!r}")
    chem.silence_rdkit()
    if kind == "grammar":
        strings = random_grammar_strings(n, max_tokens, seed)
    else:
        strings = random_strings(SMILES_TOKENS if kind == "smiles" else SELFIES_TOKENS, n, max_tokens, seed)
    if kind == "selfies":
        strings = [sf.decoder(s) for s in strings]
    return sum(string_to_mol(s) is not None for s in strings) / n
