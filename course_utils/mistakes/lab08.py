"""Lab 08 (the Gaussian free field as a renormalization step): what the classic mistakes compute.

Shapes: spectra (L, L) in ``torch.fft.fft2`` order (entry [n1, n2] for k = 2 pi (n1, n2) / L); fields
(n, L, L); ``directions`` (m, L * L), one per row; subspaces ``a`` (p, d), ``b`` (q, d)
as rows. Each function takes the inputs of the graded function it shadows and returns
``{explanation: value}``.
"""

from __future__ import annotations

import math

import torch

from course_utils import lattice

Catalogue = dict[str, object]


def _axis_term(L: int) -> torch.Tensor:
    """4 sin^2(k / 2) for k = 2 pi n / L, n = 0 .. L - 1: (L,) float64."""
    return 4 * torch.sin(math.pi * torch.arange(L, dtype=torch.float64) / L) ** 2


def _spectrum(L: int, mass: float) -> torch.Tensor:
    s = _axis_term(L)
    return 1.0 / (mass ** 2 + s[:, None] + s[None, :])


def entry(catalogue: Catalogue, index: tuple[int, ...]) -> Catalogue:
    """The same catalogue, each value reduced to one entry (for a test that checks a single k)."""
    return {why: value[index] for why, value in catalogue.items()}  # type: ignore[index]


# --------------------------------------------------------------------------- gff_eigenvalues
SPEC_CONTINUUM = ("you used the continuum k^2 = k1^2 + k2^2; on the lattice the Laplacian gives "
                  "omega(k) = sum_d 4 sin^2(k_d / 2)")
SPEC_SIN_FULL_K = "the sine takes half the wave number: 4 sin^2(k_d / 2) = 4 sin^2(pi n_d / L), not 4 sin^2(k_d)"
SPEC_NO_FOUR = "the factor 4 is missing: omega(k) = sum_d 4 sin^2(k_d / 2)"
SPEC_MASS_NOT_SQUARED = "the mass enters squared: lambda(k) = 1 / (m^2 + omega(k)), not 1 / (m + omega(k))"
SPEC_ONE_AXIS = "only one axis contributes: omega(k) sums 4 sin^2(k_d / 2) over both axes d = 1, 2"
SPEC_NOT_INVERTED = ("you returned m^2 + omega(k), the eigenvalues of the precision m^2 I - Laplacian; the "
                     "covariance's are their inverse, 1 / (m^2 + omega(k))")
SPEC_CENTRED = ("the array is in centred (fftshift) order; entry [n1, n2] belongs to k = 2 pi (n1, n2) / L with "
                "n = 0 .. L - 1, k = 0 first (the order torch.fft.fft2 uses)")
SPEC_OFF_BY_ONE = "n runs over 1 .. L; it runs over 0 .. L - 1 (torch.arange(L)), so entry [0, 0] is k = 0"
SPEC_FLOAT32 = "the spectrum is float32; build it in float64 (torch.arange(L, dtype=torch.float64))"


def gff_eigenvalues(L: int, mass: float) -> Catalogue:
    """lambda(k), (L, L), as each mistake computes it."""
    n = torch.arange(L, dtype=torch.float64)
    k = 2 * math.pi * n / L
    s = _axis_term(L)
    right = _spectrum(L, mass)
    s_shift = 4 * torch.sin(math.pi * (n + 1) / L) ** 2
    return {
        SPEC_CONTINUUM: 1.0 / (mass ** 2 + k[:, None] ** 2 + k[None, :] ** 2),
        SPEC_SIN_FULL_K: 1.0 / (mass ** 2 + 4 * torch.sin(k[:, None]) ** 2 + 4 * torch.sin(k[None, :]) ** 2),
        SPEC_NO_FOUR: 1.0 / (mass ** 2 + (s[:, None] + s[None, :]) / 4),
        SPEC_MASS_NOT_SQUARED: 1.0 / (mass + s[:, None] + s[None, :]),
        SPEC_ONE_AXIS: (1.0 / (mass ** 2 + s[:, None])).expand(L, L),
        SPEC_NOT_INVERTED: mass ** 2 + s[:, None] + s[None, :],
        SPEC_CENTRED: torch.fft.fftshift(right),
        SPEC_OFF_BY_ONE: 1.0 / (mass ** 2 + s_shift[:, None] + s_shift[None, :]),
    }


# --------------------------------------------------------------------------- sample_gff
SAMP_LAMBDA = ("you multiplied FFT(w) by lambda; multiply by sqrt(lambda), so that the covariance is lambda "
               "(the samples' covariance is C^2 otherwise)")
SAMP_INVERSE = ("you multiplied FFT(w) by 1 / sqrt(lambda) (the square root of the precision); multiply by "
                "sqrt(lambda)")
SAMP_FFT_1D = ("you transformed one axis only (torch.fft.fft / ifft); use torch.fft.fft2 and torch.fft.ifft2, "
               "which transform the last two axes")
SAMP_FFT_TWICE = ("you transformed back with fft2; the way back is ifft2 (fft2 twice multiplies by L^2 and "
                  "mirrors the lattice)")
SAMP_ABS = ("you took .abs() of the complex result: the field would never be negative; keep .real (the imaginary "
            "part is rounding error only)")
SAMP_GENERATOR = ("two calls with generators seeded alike gave different fields: draw the noise with "
                  "torch.randn(n, L, L, generator=generator, dtype=torch.float64), once")
SAMP_FLOAT32 = ("the noise is drawn in float32 (a float32 draw is another random stream, and float32 samples lose "
                "digits): draw it with torch.randn(n, L, L, generator=generator, dtype=torch.float64)")


def sample_gff(n: int, L: int, mass: float, seed: int) -> Catalogue:
    """The fields (n, L, L) each mistake draws from ``torch.Generator().manual_seed(seed)``."""
    lam = _spectrum(L, mass)
    w = torch.randn(n, L, L, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    w32 = torch.randn(n, L, L, generator=torch.Generator().manual_seed(seed))
    return {
        SAMP_FLOAT32: torch.fft.ifft2(lam.sqrt() * torch.fft.fft2(w32)).real,
        SAMP_LAMBDA: torch.fft.ifft2(lam * torch.fft.fft2(w)).real,
        SAMP_INVERSE: torch.fft.ifft2(torch.fft.fft2(w) / lam.sqrt()).real,
        SAMP_FFT_1D: torch.fft.ifft(lam.sqrt() * torch.fft.fft(w)).real,
        SAMP_FFT_TWICE: torch.fft.fft2(lam.sqrt() * torch.fft.fft2(w)).real,
        SAMP_ABS: torch.fft.ifft2(lam.sqrt() * torch.fft.fft2(w)).abs(),
    }


# --------------------------------------------------------------------------- shell_power
POW_NOT_NORMALISED = ("the directions were not scaled to unit norm one by one (a long direction counts more): "
                      "divide each row by its own norm, d / d.norm(dim=1, keepdim=True)")
POW_NORM_COLUMNS = "you scaled the columns to unit norm (dim=0); scale each row, one direction: dim=1"
POW_AMPLITUDE = "you summed |FFT| (amplitudes); the power is |FFT|^2"
POW_SHELL_MEAN = "you averaged the power over the modes of each shell; sum it within the shell"
POW_NOT_FRACTION = "the power is not divided by the total: return fractions that sum to 1"


def _per_shell(power: torch.Tensor, index: torch.Tensor, n_shells: int) -> torch.Tensor:
    return torch.zeros(n_shells, dtype=torch.float64).index_add_(0, index.ravel(), power.ravel())


def shell_power(directions: torch.Tensor, L: int) -> Catalogue:
    """The per-shell fractions (S,) each mistake returns (shells as :func:`course_utils.lattice.shells` makes them)."""
    index, values = lattice.shells(L)
    n_shells = len(values)
    d = directions.double()

    def fourier(rows: torch.Tensor) -> torch.Tensor:
        return torch.fft.fft2(rows.reshape(-1, L, L)).abs()

    unit = d / d.norm(dim=1, keepdim=True)
    power = _per_shell((fourier(unit) ** 2).sum(0), index, n_shells)
    sizes = _per_shell(torch.ones(L, L, dtype=torch.float64), index, n_shells)
    mean = power / sizes
    raw = _per_shell((fourier(d) ** 2).sum(0), index, n_shells)
    amplitude = _per_shell(fourier(unit).sum(0), index, n_shells)
    out: Catalogue = {
        POW_NOT_NORMALISED: raw / raw.sum(),
        POW_AMPLITUDE: amplitude / amplitude.sum(),
        POW_SHELL_MEAN: mean / mean.sum(),
        POW_NOT_FRACTION: power,
    }
    cols = d / d.norm(dim=0, keepdim=True)
    if torch.isfinite(cols).all():
        by_cols = _per_shell((fourier(cols) ** 2).sum(0), index, n_shells)
        out[POW_NORM_COLUMNS] = by_cols / by_cols.sum()
    return out


# --------------------------------------------------------------------------- subspace_overlap
OVL_NO_QR = ("the rows were not orthonormalised: the singular values of a @ b.T are cosines only for orthonormal "
             "bases; take Q from torch.linalg.qr(a.T) and torch.linalg.qr(b.T) first")
OVL_QR_ROWS = ("you orthonormalised a and b themselves (torch.linalg.qr(a)); the subspaces are their row spaces, "
               "so take the QR of the transposes, a.T (d, p) and b.T (d, q)")
OVL_MAX = "you averaged over max(p, q) angles; there are min(p, q) principal angles"
OVL_NOT_SQUARED = "you averaged the cosines; the overlap is the mean of their squares, cos^2"
OVL_SUM = "you summed cos^2 without dividing by min(p, q), the number of principal angles"
OVL_ENTRY_MEAN = ("you averaged the squared entries of Q_A^T Q_B over all p * q entries; their sum (= sum of "
                  "cos^2) is divided by min(p, q)")
OVL_NOT_FLOAT = "return a Python float (float(...)), not a tensor"


def subspace_overlap(a: torch.Tensor, b: torch.Tensor) -> Catalogue:
    """The overlap each mistake returns (a number)."""
    a, b = a.double(), b.double()
    qa, qb = torch.linalg.qr(a.T).Q, torch.linalg.qr(b.T).Q
    p, q = qa.shape[1], qb.shape[1]
    cos = torch.linalg.svdvals(qa.T @ qb)
    out: Catalogue = {
        OVL_NO_QR: float((torch.linalg.svdvals(a @ b.T) ** 2).mean()),
        OVL_MAX: float((cos ** 2).sum() / max(p, q)),
        OVL_NOT_SQUARED: float(cos.sum() / min(p, q)),
        OVL_SUM: float((cos ** 2).sum()),
        OVL_ENTRY_MEAN: float(((qa.T @ qb) ** 2).mean()),
    }
    ra, rb = torch.linalg.qr(a).Q, torch.linalg.qr(b).Q
    if ra.shape[0] == rb.shape[0]:  # otherwise this mistake stops with a shape error
        c = torch.linalg.svdvals(ra.T @ rb)
        out[OVL_QR_ROWS] = float((c ** 2).sum() / min(ra.shape[1], rb.shape[1]))
    return out
