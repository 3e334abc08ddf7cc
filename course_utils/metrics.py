"""How good are generated molecules? Validity, uniqueness, novelty, diversity, reconstruction.

Definitions follow the MOSES benchmark where it has one:

- validity: fraction of samples that RDKit parses and sanitizes into a non-empty molecule;
- unique@k: among the valid molecules in the first ``k`` samples, the fraction of distinct
  canonical SMILES;
- novelty: among the distinct valid molecules, the fraction not in the training set;
- internal diversity: 1 - mean Tanimoto similarity over pairs of distinct valid molecules
  (Morgan radius 2, 1024 bits; self-pairs excluded);
- reconstruction rate: fraction of molecules whose decoding has the same canonical SMILES;
- property distance: Wasserstein-1 distance between a property's distributions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import torch
from rdkit import Chem
from scipy.stats import wasserstein_distance

from course_utils.chem import morgan_fingerprints, properties, tanimoto_matrix


def _canonical_or_none(smiles: str) -> str | None:
    if not isinstance(smiles, str) or not smiles:
        return None
    mol = Chem.MolFromSmiles(smiles)
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    return Chem.MolToSmiles(mol)


def canonical_valid(smiles: Sequence[str]) -> list[str]:
    """Canonical SMILES of the valid entries, in order (invalid ones dropped)."""
    return [c for c in map(_canonical_or_none, smiles) if c is not None]


def validity(smiles: Sequence[str]) -> float:
    """Fraction of valid SMILES (0 for an empty list)."""
    return len(canonical_valid(smiles)) / len(smiles) if len(smiles) else 0.0


def unique_at_k(smiles: Sequence[str], k: int = 1000) -> float:
    """Fraction of distinct molecules among the valid ones in the first ``k`` samples."""
    if len(smiles) < k:
        raise ValueError(f"unique@{k} needs at least {k} samples, got {len(smiles)}")
    valid = canonical_valid(smiles[:k])
    return len(set(valid)) / len(valid) if valid else 0.0


def novelty(smiles: Sequence[str], training_smiles: Iterable[str]) -> float:
    """Fraction of distinct valid generated molecules absent from the training set.

    ``training_smiles`` should be canonical (the shipped data is); they are compared as strings.
    """
    generated = set(canonical_valid(smiles))
    if not generated:
        return 0.0
    train = training_smiles if isinstance(training_smiles, (set, frozenset)) else set(training_smiles)
    return len(generated - train) / len(generated)


def internal_diversity(smiles: Sequence[str], max_molecules: int = 2000, seed: int = 0) -> float:
    """1 - mean pairwise Tanimoto similarity of the distinct valid molecules (subsampled to ``max_molecules``)."""
    mols = sorted(set(canonical_valid(smiles)))
    if len(mols) < 2:
        raise ValueError(f"internal diversity needs at least 2 distinct valid molecules, got {len(mols)}")
    if len(mols) > max_molecules:
        idx = np.random.default_rng(seed).choice(len(mols), max_molecules, replace=False)
        mols = [mols[i] for i in idx]
    sim = tanimoto_matrix(morgan_fingerprints(mols, radius=2, n_bits=1024))
    n = sim.shape[0]
    off_diagonal = (sim.sum() - torch.diagonal(sim).sum()) / (n * (n - 1))
    return float(1.0 - off_diagonal)


def reconstruction_rate(originals: Sequence[str], decoded: Sequence[str]) -> float:
    """Fraction of pairs whose decoded string is the same molecule as the original."""
    if len(originals) != len(decoded) or not originals:
        raise ValueError(f"expected two equally long, non-empty lists, got {len(originals)} and {len(decoded)}")
    same = sum(_canonical_or_none(o) is not None and _canonical_or_none(o) == _canonical_or_none(d)
               for o, d in zip(originals, decoded, strict=True))
    return same / len(originals)


def property_values(smiles: Sequence[str], name: str) -> np.ndarray:
    """One property (``logp``, ``mw``, ``qed``, ``sa``, ``tpsa``) of every valid molecule."""
    return np.array([properties(s)[name] for s in canonical_valid(smiles)])


def property_w1(generated: Sequence[str], reference: Sequence[str] | np.ndarray, name: str) -> float:
    """Wasserstein-1 distance between a property of the valid generated and the reference molecules.

    ``reference`` may be SMILES or the property values themselves (e.g. the shipped test column).
    """
    gen = property_values(generated, name)
    ref = np.asarray(reference) if isinstance(reference, np.ndarray) else property_values(reference, name)
    if len(gen) == 0 or len(ref) == 0:
        raise ValueError("property_w1 needs at least one valid molecule on each side")
    return float(wasserstein_distance(gen, ref))
