"""The shipped molecule subset (MOSES, ZINC Clean Leads) and tensors ready for a DataLoader.

Files live in ``course_utils/data/`` (see its README for source, licence and the rebuild
script); nothing is downloaded. Each split is a gzipped CSV: ``smiles`` (RDKit canonical) and
the properties of :data:`course_utils.chem.PROPERTY_NAMES`.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from course_utils.chem import PROPERTY_NAMES, morgan_fingerprints
from course_utils.vae import check_shape

DATA_DIR = Path(__file__).resolve().parent / "data"
SPLITS: tuple[str, ...] = ("train", "test")
#: Rows per split, as documented in ``course_utils/data/README.md``.
SPLIT_SIZES: dict[str, int] = {"train": 250_000, "test": 10_000}


@dataclass(frozen=True)
class MoleculeSet:
    """SMILES and their properties: ``properties[name]`` is a float64 array of shape (n,)."""

    smiles: list[str]
    properties: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.smiles)

    def subset(self, n: int) -> MoleculeSet:
        """The first ``n`` molecules (the split is already in random order)."""
        if not 0 < n <= len(self):
            raise ValueError(f"n must be in 1..{len(self)}, got {n}")
        return MoleculeSet(self.smiles[:n], {k: v[:n] for k, v in self.properties.items()})


@cache
def _read_split(split: str) -> MoleculeSet:
    path = DATA_DIR / f"moses_{split}.csv.gz"
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: the package ships it; rebuild with `python scripts/build_dataset.py`"
        )
    with gzip.open(path, "rt") as fh:
        header, *lines = fh.read().splitlines()
    if header.split(",") != ["smiles", *PROPERTY_NAMES]:
        raise ValueError(f"{path.name} has columns {header!r}, expected {['smiles', *PROPERTY_NAMES]}")
    # SMILES never contain commas, so each line splits into the SMILES and the numeric fields.
    smiles, numbers = zip(*(line.split(",", 1) for line in lines), strict=True)
    values = np.array(",".join(numbers).split(","), dtype=np.float64).reshape(len(lines), len(PROPERTY_NAMES))
    return MoleculeSet(list(smiles), {name: values[:, i] for i, name in enumerate(PROPERTY_NAMES)})


def load_molecules(split: str = "train", n: int | None = None) -> MoleculeSet:
    """The shipped ``train`` (250,000) or ``test`` (10,000) molecules, optionally the first ``n``."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    data = _read_split(split)
    return data if n is None else data.subset(n)


def fingerprint_tensor(molecules: MoleculeSet | Sequence[str], radius: int = 2, n_bits: int = 1024) -> torch.Tensor:
    """Morgan fingerprints as a float32 tensor of 0/1, shape (n_molecules, n_bits)."""
    smiles = molecules.smiles if isinstance(molecules, MoleculeSet) else list(molecules)
    return morgan_fingerprints(smiles, radius=radius, n_bits=n_bits)


@dataclass(frozen=True)
class Standardizer:
    """Per-column z-scoring: ``(x - mean) / std`` and back. ``mean``, ``std``: (n_features,)."""

    mean: torch.Tensor
    std: torch.Tensor

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean.to(x)) / self.std.to(x)

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.std.to(x) + self.mean.to(x)


def property_tensor(
    molecules: MoleculeSet, names: Sequence[str] = PROPERTY_NAMES, standardizer: Standardizer | None = None
) -> tuple[torch.Tensor, Standardizer]:
    """Properties as a standardised float32 tensor (n_molecules, len(names)) and its standardizer.

    Fit the standardizer on the training split and pass it for the test split, so both share
    one scale: ``xt, s = property_tensor(train); xs, _ = property_tensor(test, standardizer=s)``.
    """
    unknown = [n for n in names if n not in molecules.properties]
    if unknown:
        raise ValueError(f"unknown property {unknown}; available: {sorted(molecules.properties)}")
    x = torch.tensor(np.stack([molecules.properties[n] for n in names], axis=1), dtype=torch.float32)
    if standardizer is None:
        y, mean, std = standardize(x)
        return y, Standardizer(mean, std)
    return standardizer.transform(x), standardizer


def standardize(values: torch.Tensor, mean: torch.Tensor | None = None,
                std: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Z-score the columns of ``values`` (n, k): ``((values - mean) / std, mean, std)``.

    Without ``mean``/``std`` they are computed from ``values`` (the training set; unbiased std);
    given, they are used unchanged (test data and requested targets use training statistics).
    A column with zero spread raises ``ValueError``.
    """
    check_shape("values", values, (None, None))
    if mean is None or std is None:
        mean, std = values.mean(0), values.std(0)
    if (std <= 0).any():
        raise ValueError(f"cannot standardise a column with zero spread (std = {std.tolist()})")
    return (values - mean) / std, mean, std


def make_loader(*tensors: torch.Tensor, batch_size: int = 128, shuffle: bool = True, seed: int = 0) -> DataLoader:
    """A DataLoader over equally long tensors; shuffling is seeded, so runs are reproducible."""
    if not tensors or any(len(t) != len(tensors[0]) for t in tensors):
        raise ValueError(f"expected one or more tensors of equal length, got lengths {[len(t) for t in tensors]}")
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(TensorDataset(*tensors), batch_size=batch_size, shuffle=shuffle, generator=generator)
