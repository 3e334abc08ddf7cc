"""SMILES (and SELFIES) as token sequences: a regex tokenizer and a vocabulary.

A SMILES string is not a sequence of characters but of *tokens*: ``Cl`` and ``Br`` are one atom,
``[nH]`` or ``[C@@H]`` (anything in brackets) is one atom, ``%10`` is one two-digit ring
closure. :func:`tokenize` splits with one regular expression and refuses anything it cannot
cover, so nothing is silently dropped. :class:`Vocabulary` maps tokens to integer ids with four
special tokens and encodes batches as padded ``LongTensor``\\ s for a sequence model.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import selfies as sf
import torch

#: One SMILES token: a bracket atom, a two-letter halogen, an organic-subset atom (aromatic in
#: lower case), a bond, a branch, a ring closure (one digit, or % and two digits), or a dot.
SMILES_TOKEN = re.compile(
    r"(\[[^\[\]]+\]|Br|Cl|B|C|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9])"
)

PAD, BOS, EOS, MASK = "<pad>", "<bos>", "<eos>", "<mask>"
SPECIAL_TOKENS: tuple[str, ...] = (PAD, BOS, EOS, MASK)


class UnknownTokenError(ValueError):
    """A token that is not in the vocabulary (or a string the tokenizer cannot split)."""


def tokenize(smiles: str) -> list[str]:
    """Split a SMILES string into tokens: ``"CC(Cl)c1cc[nH]c1"`` -> ``['C', 'C', '(', 'Cl', ...]``.

    Raises
    ------
    UnknownTokenError
        If part of the string matches no token (the message gives the position and character).
    """
    if not isinstance(smiles, str):
        raise TypeError(f"expected a SMILES string, got {type(smiles).__name__}")
    tokens, pos = [], 0
    for match in SMILES_TOKEN.finditer(smiles):
        if match.start() != pos:
            break
        tokens.append(match.group())
        pos = match.end()
    if pos != len(smiles):
        raise UnknownTokenError(
            f"cannot tokenize SMILES {smiles!r}: {smiles[pos]!r} at position {pos} is not a SMILES token "
            "(atoms outside the organic subset must be in brackets, e.g. [Na+], [Se])"
        )
    return tokens


def to_selfies(smiles: str) -> str:
    """SMILES -> SELFIES (every SELFIES string decodes to a valid molecule)."""
    try:
        return sf.encoder(smiles, strict=True)
    except sf.EncoderError as err:
        raise ValueError(f"cannot convert SMILES {smiles!r} to SELFIES: {err}") from None


def from_selfies(selfies_string: str) -> str:
    """SELFIES -> SMILES."""
    return sf.decoder(selfies_string)


def selfies_tokenize(selfies_string: str) -> list[str]:
    """Split a SELFIES string into its bracketed symbols: ``"[C][=O]"`` -> ``['[C]', '[=O]']``."""
    tokens = list(sf.split_selfies(selfies_string))
    if "".join(tokens) != selfies_string:
        raise UnknownTokenError(f"cannot split {selfies_string!r} into SELFIES symbols")
    return tokens


def to_kekule(smiles: str) -> str:
    """Canonical *Kekulé* SMILES: aromatic rings written with explicit alternating single and double bonds.

    ``"c1ccccc1O"`` -> ``"OC1=CC=CC=C1"``. Lower-case aromatic atoms never appear in the result, so a
    model that writes Kekulé SMILES cannot produce an aromatic ring that RDKit fails to kekulize
    (the commonest invalid output of an aromatic SMILES decoder).

    Raises
    ------
    ValueError
        If RDKit cannot parse ``smiles`` or cannot kekulize it.
    """
    from rdkit import Chem

    from course_utils import chem

    if not isinstance(smiles, str):
        raise TypeError(f"expected a SMILES string, got {type(smiles).__name__}")
    try:
        mol = chem.to_mol(smiles)
    except chem.InvalidSmilesError as err:
        raise chem.InvalidSmilesError(
            f"cannot convert {smiles!r} to Kekulé SMILES: RDKit cannot parse it as a molecule") from err
    Chem.Kekulize(mol, clearAromaticFlags=True)
    return Chem.MolToSmiles(mol, kekuleSmiles=True)


def is_aromatic_token(token: str) -> bool:
    """Whether ``token`` is an aromatic atom (``c``, ``n``, ``[nH]``, ...), the atoms Kekulé SMILES never have."""
    return token in ("b", "c", "n", "o", "p", "s") or (token.startswith("[") and token[1:2].islower())


def kekule_tokenize(smiles: str) -> list[str]:
    """Tokens of ``smiles`` in Kekulé form: a string with aromatic atoms is rewritten by :func:`to_kekule`.

    A valid string without aromatic atoms is kept as written, so a Kekulé model's own output
    encodes back to exactly its tokens (RDKit's canonical form may spell an unusual atom
    differently, e.g. a five-bonded sulfur as ``[SH]``). For the shipped data both agree:
    every non-aromatic training molecule is its own canonical Kekulé SMILES.

    Raises
    ------
    ValueError
        If RDKit cannot parse ``smiles``.
    """
    tokens = tokenize(smiles)
    if any(is_aromatic_token(t) for t in tokens):
        return tokenize(to_kekule(smiles))
    from course_utils import chem

    if not chem.is_valid(smiles):
        raise chem.InvalidSmilesError(f"cannot read {smiles!r} as Kekulé SMILES: RDKit cannot parse it as a molecule")
    return tokens


_TOKENIZERS = {"smiles": tokenize, "selfies": selfies_tokenize, "kekule": kekule_tokenize}


class Vocabulary:
    """Token <-> id maps with the special tokens ``<pad>`` (0), ``<bos>``, ``<eos>``, ``<mask>``.

    ``<mask>`` is the token that word dropout substitutes for decoder inputs. ``kind`` says which
    tokenizer the vocabulary uses: ``"smiles"`` (:func:`tokenize`), ``"kekule"`` (the string is first
    rewritten as Kekulé SMILES by :func:`to_kekule`, then tokenized; the shipped pretrained model) or
    ``"selfies"``.
    """

    def __init__(self, tokens: Sequence[str], kind: str = "smiles") -> None:
        if kind not in _TOKENIZERS:
            raise ValueError(f"kind must be one of {sorted(_TOKENIZERS)}, got {kind!r}")
        ordinary = [t for t in tokens if t not in SPECIAL_TOKENS]
        if len(set(ordinary)) != len(ordinary):
            raise ValueError("vocabulary tokens must be unique")
        self.kind = kind
        self.itos: list[str] = [*SPECIAL_TOKENS, *ordinary]
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}

    pad_id, bos_id, eos_id, mask_id = 0, 1, 2, 3

    @classmethod
    def build(cls, strings: Iterable[str], kind: str = "smiles") -> Vocabulary:
        """The vocabulary of every token in ``strings``, most frequent first (ties alphabetical)."""
        counts = Counter(t for s in strings for t in _TOKENIZERS[kind](s))
        return cls(sorted(counts, key=lambda t: (-counts[t], t)), kind=kind)

    def __len__(self) -> int:
        return len(self.itos)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and (self.kind, self.itos) == (other.kind, other.itos)

    def tokenize(self, string: str) -> list[str]:
        return _TOKENIZERS[self.kind](string)

    def encode(self, string: str) -> list[int]:
        """``<bos>`` + token ids + ``<eos>``. Raises :class:`UnknownTokenError` for a token not in the vocabulary."""
        ids = [self.bos_id]
        for t in self.tokenize(string):
            if t not in self.stoi:
                raise UnknownTokenError(
                    f"token {t!r} in {string!r} is not in the vocabulary ({len(self)} tokens); "
                    "build the vocabulary from data that contains it, or filter such molecules out"
                )
            ids.append(self.stoi[t])
        ids.append(self.eos_id)
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """Token ids -> string: skips ``<bos>``/``<pad>``/``<mask>``, stops at the first ``<eos>``."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i in (self.pad_id, self.bos_id, self.mask_id):
                continue
            out.append(self.itos[i])
        return "".join(out)

    def encode_batch(self, strings: Sequence[str], max_len: int | None = None) -> torch.Tensor:
        """Encode and right-pad with ``<pad>``: (n, max_len) int64. Longer sequences raise ``ValueError``."""
        encoded = [self.encode(s) for s in strings]
        longest = max(len(e) for e in encoded)
        max_len = max_len or longest
        if longest > max_len:
            bad = next(s for s, e in zip(strings, encoded, strict=True) if len(e) > max_len)
            raise ValueError(f"{bad!r} needs {longest} positions with <bos>/<eos>, more than max_len={max_len}")
        out = torch.full((len(encoded), max_len), self.pad_id, dtype=torch.long)
        for row, e in enumerate(encoded):
            out[row, : len(e)] = torch.tensor(e)
        return out

    def decode_batch(self, ids: torch.Tensor) -> list[str]:
        """(n, length) ids -> n strings."""
        return [self.decode(row.tolist()) for row in ids]

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "tokens": self.itos[len(SPECIAL_TOKENS):]})

    @classmethod
    def from_json(cls, text: str) -> Vocabulary:
        d = json.loads(text)
        return cls(d["tokens"], kind=d["kind"])

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> Vocabulary:
        return cls.from_json(Path(path).read_text())
