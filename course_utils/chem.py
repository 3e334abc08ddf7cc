"""RDKit helpers: parse SMILES with a clear error, properties, fingerprints, Tanimoto, drawings.

Every function that takes a molecule accepts either a SMILES string or an RDKit ``Mol``.
Invalid input raises :class:`InvalidSmilesError` (a ``ValueError``) naming the SMILES, never
returns a silent ``None``; use :func:`is_valid` when "invalid" is an expected answer (for
example when scoring generated molecules).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Union

import numpy as np
import torch
from rdkit import Chem, RDLogger
from rdkit.Chem import QED, Crippen, Descriptors, Draw, rdFingerprintGenerator, rdMolDescriptors
from rdkit.Contrib.SA_Score import sascorer

MolLike = Union[str, Chem.Mol]  # noqa: UP007 (a runtime alias, kept readable)

#: Property names used throughout the course, in the order of the shipped data columns.
PROPERTY_NAMES: tuple[str, ...] = ("logp", "mw", "qed", "sa", "tpsa")


class InvalidSmilesError(ValueError):
    """A SMILES string that RDKit cannot parse or sanitize."""


def silence_rdkit() -> None:
    """Stop RDKit from writing parse errors to stderr (a graded cell with stderr scores zero)."""
    RDLogger.DisableLog("rdApp.*")


def to_mol(smiles: MolLike) -> Chem.Mol:
    """Parse and sanitize a SMILES string; pass an RDKit ``Mol`` through unchanged.

    Raises
    ------
    InvalidSmilesError
        If the string is empty or RDKit cannot parse/sanitize it (the message quotes it).
    TypeError
        If ``smiles`` is neither a ``str`` nor an RDKit ``Mol``.
    """
    if isinstance(smiles, Chem.Mol):
        return smiles
    if not isinstance(smiles, str):
        raise TypeError(f"expected a SMILES string or an RDKit Mol, got {type(smiles).__name__}")
    if not smiles.strip():
        raise InvalidSmilesError("expected a non-empty SMILES string, got an empty string")
    mol = Chem.MolFromSmiles(smiles)
    if mol is None or mol.GetNumAtoms() == 0:
        raise InvalidSmilesError(
            f"RDKit could not parse SMILES {smiles!r}: check brackets, ring-closure digits and "
            "valences (use course_utils.chem.is_valid to test without raising)"
        )
    return mol


def is_valid(smiles: str) -> bool:
    """True when ``smiles`` parses and sanitizes to a molecule with at least one atom."""
    if not isinstance(smiles, str) or not smiles.strip():
        return False
    mol = Chem.MolFromSmiles(smiles)
    return mol is not None and mol.GetNumAtoms() > 0


def canonical_smiles(smiles: MolLike) -> str:
    """RDKit canonical SMILES (isomeric). Two spellings of one molecule give the same string."""
    return Chem.MolToSmiles(to_mol(smiles))


def sa_score(smiles: MolLike) -> float:
    """Synthetic accessibility score (Ertl & Schuffenhauer, 2009), 1 = easy ... 10 = hard."""
    return float(sascorer.calculateScore(to_mol(smiles)))


def properties(smiles: MolLike) -> dict[str, float]:
    """The course's five properties of one molecule.

    Returns ``{"logp": Crippen logP, "mw": molecular weight (g/mol), "qed": QED in [0, 1],
    "sa": SA score in [1, 10], "tpsa": topological polar surface area (A^2)}``.
    """
    mol = to_mol(smiles)
    return {
        "logp": float(Crippen.MolLogP(mol)),
        "mw": float(Descriptors.MolWt(mol)),
        "qed": float(QED.qed(mol)),
        "sa": float(sascorer.calculateScore(mol)),
        "tpsa": float(rdMolDescriptors.CalcTPSA(mol)),
    }


def _morgan_generator(radius: int, n_bits: int) -> rdFingerprintGenerator.FingerprintGenerator64:
    if radius < 0 or n_bits <= 0:
        raise ValueError(f"expected radius >= 0 and n_bits > 0, got radius={radius}, n_bits={n_bits}")
    return rdFingerprintGenerator.GetMorganGenerator(radius=radius, fpSize=n_bits)


def morgan_fingerprint(smiles: MolLike, radius: int = 2, n_bits: int = 1024) -> np.ndarray:
    """Morgan (ECFP-like) bit vector of one molecule: ``(n_bits,)`` array of 0/1 (uint8)."""
    return _morgan_generator(radius, n_bits).GetFingerprintAsNumPy(to_mol(smiles)).astype(np.uint8)


def morgan_fingerprints(
    smiles: Sequence[MolLike], radius: int = 2, n_bits: int = 1024
) -> torch.Tensor:
    """Morgan bit vectors of many molecules: ``(n_molecules, n_bits)`` float32 tensor of 0/1."""
    gen = _morgan_generator(radius, n_bits)
    out = np.zeros((len(smiles), n_bits), dtype=np.float32)
    for i, s in enumerate(smiles):
        out[i] = gen.GetFingerprintAsNumPy(to_mol(s))
    return torch.from_numpy(out)


def tanimoto(a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Tanimoto similarity of binary fingerprints, |a AND b| / |a OR b|.

    Parameters
    ----------
    a : (n_bits,) or (n, n_bits) 0/1 values
    b : same shape as ``a``, or (n_bits,) to compare every row of ``a`` with one vector

    Returns
    -------
    torch.Tensor : () or (n,) float64; two empty fingerprints have similarity 1 by convention.
    """
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(f"fingerprints must have the same length, got {a.shape[-1]} and {b.shape[-1]}")
    both = (a * b).sum(-1)
    either = a.sum(-1) + b.sum(-1) - both
    return torch.where(either > 0, both / either.clamp(min=1), torch.ones_like(both))


def tanimoto_matrix(a: torch.Tensor | np.ndarray, b: torch.Tensor | np.ndarray | None = None) -> torch.Tensor:
    """Pairwise Tanimoto similarities: ``a`` (n, n_bits), ``b`` (m, n_bits) -> (n, m) float64.

    With ``b=None`` the matrix is ``a`` against itself (diagonal = 1).
    """
    a = torch.as_tensor(a, dtype=torch.float64)
    b = a if b is None else torch.as_tensor(b, dtype=torch.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"expected two (n, n_bits) fingerprint matrices with equal n_bits, got {tuple(a.shape)} "
            f"and {tuple(b.shape)}"
        )
    both = a @ b.T
    either = a.sum(1, keepdim=True) + b.sum(1)[None, :] - both
    return torch.where(either > 0, both / either.clamp(min=1), torch.ones_like(both))


def draw_grid(
    smiles: Sequence[str],
    legends: Sequence[str] | None = None,
    mols_per_row: int = 4,
    sub_img_size: tuple[int, int] = (220, 180),
):
    """Draw molecules in a grid (a PIL image, shown inline by Jupyter).

    Invalid SMILES are drawn as empty cells whose legend says ``invalid``, so a grid of
    generated samples shows its failures instead of hiding them.
    """
    if legends is not None and len(legends) != len(smiles):
        raise ValueError(f"expected {len(smiles)} legends (one per molecule), got {len(legends)}")
    mols, labels = [], []
    for i, s in enumerate(smiles):
        mol = Chem.MolFromSmiles(s) if isinstance(s, str) and s else None
        mols.append(mol if mol is not None else Chem.Mol())
        label = legends[i] if legends is not None else s
        labels.append(label if mol is not None else f"invalid: {s[:24]}")
    return Draw.MolsToGridImage(
        mols, molsPerRow=mols_per_row, subImgSize=sub_img_size, legends=labels, returnPNG=False
    )
