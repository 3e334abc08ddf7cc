"""A SMILES grammar-and-valence mask for decoding: only tokens that can still end in a valid molecule.

An autoregressive decoder proposes a distribution over the next token. Most invalid samples
break a rule that can be checked while the string is being written: a ``)`` with no open
branch, the end of the string with a ring or a branch still open, a fourth bond on a nitrogen,
a ring closure back onto the atom itself. :class:`SmilesGrammar` keeps, for each sequence being
decoded, a small parser state (the atoms written so far with their free valence, the stack of
open branches, the open ring labels) and gives a boolean mask of the tokens that are allowed
next; the decoder sets the other logits to -inf and renormalises. This is the idea behind the
grammar VAE (Kusner et al., 2017) and syntax-directed VAE (Dai et al., 2018) in its simplest form.

What the mask knows: bonds (``-`` ``=`` ``#`` ``/`` ``\\``), branches, ring labels (``1``-``9``,
``%10``-``%99``) and each atom token's largest valence, *measured with RDKit* (the most bonds the
token can carry and still sanitize; for a bracket atom such as ``[NH+]`` its hydrogens count).
What it does not know: aromaticity. Lower-case aromatic atoms are valid only if the whole ring
can be kekulized, which is not decidable token by token, so the mask refuses vocabularies with
aromatic atoms: use Kekulé SMILES (``Vocabulary(kind="kekule")``, :func:`course_utils.smiles.to_kekule`),
as the shipped pretrained model does.

The mask never forbids a step of a valid molecule's Kekulé SMILES (tested on the whole test
split) and it avoids dead ends: a token is refused if, after it, the open ring bonds could no
longer be closed. Validity under the mask is therefore close to 1 whatever the model; report it
*beside* the unconstrained validity, which measures what the model itself has learned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch

from course_utils.smiles import Vocabulary, is_aromatic_token

BOND_ORDERS: dict[str, int] = {"-": 1, "=": 2, "#": 3, "/": 1, "\\": 1}


def max_valence(atom_token: str) -> int:
    """The largest number of single bonds RDKit accepts on ``atom_token`` (``"C"`` -> 4, ``"[NH+]"`` -> 3).

    Measured: the token with k methyl neighbours is sanitized for k = 0, 1, ... until RDKit
    refuses, at most 8 (RDKit lets some metals, such as ``[Fe]``, carry any number of bonds:
    they get 8). Raises ``ValueError`` if RDKit cannot read the token as an atom at all.
    """
    from course_utils import chem

    chem.silence_rdkit()
    if not chem.is_valid(atom_token):
        raise ValueError(f"{atom_token!r} is not an atom token RDKit can read")
    k = 0
    while k < 8 and chem.is_valid(atom_token + "(C)" * (k + 1)):
        k += 1
    return k


def _is_ring_label(token: str) -> bool:
    return token.isdigit() and len(token) == 1 or (token.startswith("%") and token[1:].isdigit())


@dataclass
class _Row:
    """The parser state of one sequence being decoded."""

    free: list[int] = field(default_factory=list)           # free valence of each atom written so far
    neighbours: list[set[int]] = field(default_factory=list)
    current: int | None = None                                # atom the next bond attaches to
    bond: int | None = None                                   # order of a bond token just written
    after_open: bool = False                                  # the last token was "("
    stack: list[int] = field(default_factory=list)            # branch points of open "("
    rings: dict[int, tuple[int, int | None]] = field(default_factory=dict)  # label id -> (atom, explicit order)
    done: bool = False


class SmilesGrammar:
    """Masks for decoding SMILES with a :class:`~course_utils.smiles.Vocabulary` of kind smiles or kekule.

    ``start(n)`` gives n parser states; ``mask(states)`` a (n, vocab) bool tensor of allowed next
    tokens; ``advance(states, ids)`` moves each state past the chosen token. A finished row
    allows only ``<pad>``.
    """

    def __init__(self, vocab: Vocabulary) -> None:
        if vocab.kind not in ("smiles", "kekule"):
            raise ValueError(f"a SMILES grammar needs a SMILES vocabulary, got kind {vocab.kind!r}")
        aromatic = [t for t in vocab.itos if is_aromatic_token(t)]
        if aromatic:
            raise ValueError(
                f"the grammar mask cannot check aromatic atoms {aromatic}: whether an aromatic ring is valid "
                "depends on the whole ring (kekulization). Train on Kekulé SMILES (Vocabulary kind 'kekule')")
        self.vocab = vocab
        self.size = len(vocab)
        self.valence: dict[int, int] = {}
        self.bonds: dict[int, int] = {}
        self.labels: list[int] = []
        self.open_id = vocab.stoi.get("(")
        self.close_id = vocab.stoi.get(")")
        for i, t in enumerate(vocab.itos):  # <pad> <bos> <eos> <mask> ( ) fall through: handled apart
            if t in BOND_ORDERS:
                self.bonds[i] = BOND_ORDERS[t]
            elif _is_ring_label(t):
                self.labels.append(i)
            elif t[0].isalpha() or t.startswith("["):
                self.valence[i] = max_valence(t)
            # anything else (".", ":", "*", ...) is never allowed: one molecule, no aromatic bonds

    def start(self, n: int) -> list[_Row]:
        return [_Row() for _ in range(n)]

    # -- the rules ---------------------------------------------------------------------------
    @staticmethod
    def _recoverable(row: _Row, current_free: int, rings_left: int, spent: dict[int, int] | None = None) -> bool:
        """Can the open rings still be closed after this token?

        They can if none is left open, or if some atom that later tokens can still reach (the new
        current atom, or a branch point on the stack) has a free valence: a new atom bonded there
        can carry the ring bonds. ``spent`` is the valence this token takes from existing atoms.
        (After a ``)`` the new current atom is the popped branch point; leaving it in the stack
        searched changes nothing, since its free valence is ``current_free``, already checked.)
        """
        if rings_left == 0 or current_free >= 1:
            return True
        spent = spent or {}
        return any(row.free[a] - spent.get(a, 0) >= 1 for a in row.stack)

    def _closing_order(self, row: _Row, label: int, bond: int | None) -> int | None:
        """Effective order of closing ring ``label`` at the current atom, or None if not allowed."""
        atom, explicit = row.rings[label]
        cur = row.current
        if atom == cur or atom in row.neighbours[cur]:
            return None
        if explicit is not None and bond is not None and explicit != bond:
            return None
        order = bond or explicit or 1
        reserved = explicit or 1
        if row.free[cur] < order or row.free[atom] < order - reserved:
            return None
        return order

    def allowed(self, row: _Row) -> list[int]:
        """Token ids allowed next for one parser state."""
        if row.done:
            return [Vocabulary.pad_id]
        if row.current is None:  # the first token is an atom
            return list(self.valence)
        cur_free = row.free[row.current]
        out: list[int] = []
        n_rings = len(row.rings)
        need = row.bond or 1
        # a new atom bonded to the current one
        if cur_free >= need:
            for i, v in self.valence.items():
                if v >= need and self._recoverable(row, v - need, n_rings, {row.current: need}):
                    out.append(i)
        # ring labels: close an open ring, or open a new one (not right after "(")
        if not row.after_open:
            for i in self.labels:
                if i in row.rings:
                    order = self._closing_order(row, i, row.bond)
                    if order is not None and self._recoverable(
                            row, cur_free - order, n_rings - 1,
                            {row.current: order, row.rings[i][0]: order - (row.rings[i][1] or 1)}):
                        out.append(i)
                elif cur_free >= need and self._recoverable(row, cur_free - need, n_rings + 1, {row.current: need}):
                    out.append(i)
        if row.bond is not None:  # after a bond only an atom or a ring label
            return out
        for i, order in self.bonds.items():
            if cur_free >= order:
                out.append(i)
        if row.after_open:
            return out
        if self.open_id is not None and cur_free >= 1:
            out.append(self.open_id)
        if self.close_id is not None and row.stack:
            back = row.stack[-1]
            if self._recoverable(row, row.free[back], n_rings):
                out.append(self.close_id)
        if not row.stack and not row.rings:
            out.append(Vocabulary.eos_id)
        return out

    def step(self, row: _Row, token: int) -> None:
        """Move ``row`` past ``token`` (which must be allowed)."""
        if row.done or token == Vocabulary.pad_id:
            row.done = True
            return
        if token == Vocabulary.eos_id:
            row.done = True
        elif token in self.valence:
            new = len(row.free)
            row.free.append(self.valence[token])
            row.neighbours.append(set())
            if row.current is not None:
                order = row.bond or 1
                row.free[row.current] -= order
                row.free[new] -= order
                row.neighbours[row.current].add(new)
                row.neighbours[new].add(row.current)
            row.current, row.bond, row.after_open = new, None, False
        elif token in self.bonds:
            row.bond = self.bonds[token]
        elif token == self.open_id:
            row.stack.append(row.current)
            row.after_open = True
        elif token == self.close_id:
            row.current = row.stack.pop()
        elif token in self.labels:
            cur = row.current
            if token in row.rings:
                order = self._closing_order(row, token, row.bond)
                atom, explicit = row.rings.pop(token)
                row.free[cur] -= order
                row.free[atom] -= order - (explicit or 1)
                row.neighbours[cur].add(atom)
                row.neighbours[atom].add(cur)
            else:
                row.rings[token] = (cur, row.bond)
                row.free[cur] -= row.bond or 1
            row.bond = None
        else:
            raise ValueError(f"token {self.vocab.itos[token]!r} is never allowed by the SMILES grammar")

    # -- batched use in a decoder ------------------------------------------------------------
    def mask(self, rows: list[_Row]) -> torch.Tensor:
        """(len(rows), vocab) bool: True where the token is allowed. A row with no way on may end (<eos>)."""
        out = torch.zeros((len(rows), self.size), dtype=torch.bool)
        for r, row in enumerate(rows):
            ids = self.allowed(row) or [Vocabulary.eos_id]
            out[r, ids] = True
        return out

    def advance(self, rows: list[_Row], ids: torch.Tensor) -> None:
        for row, token in zip(rows, ids.tolist(), strict=True):
            self.step(row, token)

    def state_after(self, tokens: Sequence[str | int]) -> _Row:
        """The parser state after writing ``tokens`` (token strings or ids, no ``<bos>``) from the start.

        ``allowed(state_after(prefix))`` is what the mask offers next. Raises ``ValueError`` for a
        token the vocabulary does not have, or one the mask would have refused at its position.
        """
        row = self.start(1)[0]
        for k, token in enumerate(tokens):
            if isinstance(token, str):
                if token not in self.vocab.stoi:
                    raise ValueError(f"token {token!r} is not in the vocabulary ({self.vocab.kind})")
                token = self.vocab.stoi[token]
            if token not in self.allowed(row):
                written = self.vocab.decode([self.vocab.stoi[t] if isinstance(t, str) else t for t in tokens[:k]])
                raise ValueError(f"the mask refuses {self.vocab.itos[token]!r} after {written!r}")
            self.step(row, token)
        return row

    def accepts(self, smiles: str) -> bool:
        """Whether decoding ``smiles`` token by token stays inside the mask up to its end."""
        ids = self.vocab.encode(smiles)[1:]  # an unknown token or unreadable string raises, as before
        try:
            return self.state_after(ids).done
        except ValueError:  # a token the mask refuses
            return False
