"""A VAE as a renormalization step: the periodic 2-D Gaussian free field (lab 08).

The massive Gaussian free field on an L x L periodic lattice has the energy
E(phi) = 1/2 sum_x [m^2 phi_x^2 + sum_d (phi_{x+e_d} - phi_x)^2], so phi ~ N(0, C) with
C = (m^2 I - Laplacian)^{-1}. The lattice Laplacian is diagonal in Fourier space: plane waves
exp(i k.x) with k = 2 pi n / L are its eigenvectors, and C's eigenvalues are

    lambda(k) = 1 / (m^2 + sum_d 4 sin^2(k_d / 2)).

Long waves (small |k|) have the largest variance. An exact sampler draws white noise w, and
returns phi = IFFT(sqrt(lambda) * FFT(w)). A linear VAE with decoder noise variance s^2 (the
argument ``sigma2``; GLOSSARY.md) keeps exactly the modes with lambda(k) > s^2 (lab 07's closed
form), i.e. the lowest-|k| shells: it integrates out the short waves, as a momentum-shell
renormalization step does. Modes with equal sum_d 4 sin^2(k_d / 2) form a degenerate **shell**;
within a shell any rotation of the modes is as good, so comparisons are made between subspaces,
never between single directions.

Shapes: fields (n, L, L) or flattened (n, L * L); lambda (L, L) indexed like ``torch.fft.fft2``;
directions (m, L * L), one per row.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from course_utils.vae import check_shape

SHELL_DECIMALS = 9  # lattice frequencies equal to this many decimals belong to the same shell


def _check(L: int, mass: float) -> None:
    if L < 2 or int(L) != L:
        raise ValueError(f"the lattice side L must be an integer >= 2, got {L}")
    if mass <= 0:
        raise ValueError(f"the mass must be > 0 (m = 0 has an infinite-variance zero mode), got {mass}")


def lattice_frequencies(L: int) -> torch.Tensor:
    """omega(k) = sum_d 4 sin^2(k_d / 2) for every k = 2 pi (n1, n2) / L, as an (L, L) float64 tensor."""
    _check(L, 1.0)
    s = 4 * torch.sin(math.pi * torch.arange(L, dtype=torch.float64) / L) ** 2
    return s[:, None] + s[None, :]


def gff_eigenvalues(L: int, mass: float) -> torch.Tensor:
    """lambda(k) = 1 / (m^2 + omega(k)), shape (L, L), float64, in ``torch.fft.fft2`` order."""
    _check(L, mass)
    return 1.0 / (mass ** 2 + lattice_frequencies(L))


def laplacian_covariance(L: int, mass: float) -> np.ndarray:
    """The covariance (m^2 I - Laplacian)^{-1} as a dense (L^2, L^2) matrix, built in real space (no FFT).

    For tests and small lattices: an independent check of :func:`gff_eigenvalues` and the sampler.
    """
    _check(L, mass)
    n = L * L
    precision = np.eye(n) * (mass ** 2 + 4.0)
    for i in range(L):
        for j in range(L):
            a = i * L + j
            for di, dj in [(1, 0), (-1, 0), (0, 1), (0, -1)]:
                precision[a, ((i + di) % L) * L + (j + dj) % L] -= 1.0
    return np.linalg.inv(precision)


def sample_gff(n: int, L: int, mass: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """``n`` exact samples (n, L, L) float64 of the periodic free field.

    w = torch.randn(n, L, L, generator=generator) (float64), then phi = IFFT2(sqrt(lambda) * FFT2(w)).real.
    The FFT of real noise has the Hermitian symmetry of a real field, so the imaginary part is
    rounding error only, and Cov(phi) = F^-1 diag(lambda) F = (m^2 - Laplacian)^-1 exactly.
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    lam = gff_eigenvalues(L, mass)
    w = torch.randn(n, L, L, generator=generator, dtype=torch.float64)
    return torch.fft.ifft2(lam.sqrt() * torch.fft.fft2(w)).real


def shells(L: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Group the L^2 wave vectors into degenerate shells of equal omega(k).

    Returns (shell index (L, L) int64, shell frequencies (S,) ascending); shell 0 is k = 0.
    """
    omega = lattice_frequencies(L)
    values, index = torch.unique(torch.round(omega, decimals=SHELL_DECIMALS), return_inverse=True)
    return index, values


def shell_power(directions: torch.Tensor, L: int) -> torch.Tensor:
    """Fraction of the Fourier power of ``directions`` (m, L * L) in each shell: (S,), sums to 1.

    Each direction is scaled to unit norm first, so every direction counts equally.
    """
    check_shape("directions", directions, (None, L * L))
    d = directions.double()
    d = d / d.norm(dim=1, keepdim=True).clamp_min(1e-300)
    power = (torch.fft.fft2(d.reshape(-1, L, L)).abs() ** 2).sum(0)  # (L, L)
    index, values = shells(L)
    per_shell = torch.zeros(len(values), dtype=torch.float64).index_add_(0, index.ravel(), power.ravel())
    return per_shell / per_shell.sum()


def kept_modes(L: int, mass: float, sigma2: float) -> torch.Tensor:
    """Boolean (L, L): the modes with lambda(k) > s^2 (s^2 = ``sigma2``), which the optimal linear VAE keeps."""
    if sigma2 <= 0:
        raise ValueError(f"sigma2 must be > 0, got {sigma2}")
    return gff_eigenvalues(L, mass) > sigma2


def expected_active_latents(L: int, mass: float, sigma2: float) -> int:
    """#{k : lambda(k) > s^2}, s^2 = ``sigma2`` the decoder noise variance."""
    return int(kept_modes(L, mass, sigma2).sum())


def mode_basis(mask: torch.Tensor) -> torch.Tensor:
    """An orthonormal real basis (r, L * L) of the span of the plane waves selected by ``mask`` (L, L).

    ``mask`` must be symmetric under k -> -k (a union of shells is), so the span is real: it is the
    range of the real projector F^-1 diag(mask) F, of rank r = mask.sum().
    """
    L = mask.shape[0]
    check_shape("mask", mask, (L, L))
    eye = torch.eye(L * L, dtype=torch.float64).reshape(L * L, L, L)
    projector = torch.fft.ifft2(mask.double() * torch.fft.fft2(eye)).real.reshape(L * L, L * L)
    vals, vecs = torch.linalg.eigh((projector + projector.T) / 2)
    r = int(mask.sum())
    if not torch.allclose(vals[-r:], torch.ones(r, dtype=torch.float64), atol=1e-8):
        raise ValueError("the mask is not symmetric under k -> -k: its plane waves do not span a real subspace")
    return vecs[:, -r:].T.contiguous()


def plane_waves(mask: torch.Tensor) -> torch.Tensor:
    """The canonical real plane waves of the modes in ``mask`` (L, L): for each pair {k, -k} the unit
    vectors cos(k.x) and (unless k = -k) sin(k.x); rows of an (r, L * L) float64 tensor, orthonormal."""
    L = mask.shape[0]
    check_shape("mask", mask, (L, L))
    grid = torch.stack(torch.meshgrid(torch.arange(L), torch.arange(L), indexing="ij")).double()  # (2, L, L)
    waves, seen = [], set()
    for n1, n2 in mask.nonzero().tolist():
        partner = ((-n1) % L, (-n2) % L)
        if partner in seen:
            continue
        seen.add((n1, n2))
        phase = 2 * math.pi * (n1 * grid[0] + n2 * grid[1]) / L
        waves.append(torch.cos(phase))
        if partner != (n1, n2):
            waves.append(torch.sin(phase))
    out = torch.stack(waves).reshape(len(waves), L * L)
    return out / out.norm(dim=1, keepdim=True)


def subspace_overlap(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean squared cosine of the principal angles between the row spaces of a (p, d) and b (q, d).

    1 when the smaller space lies inside the larger, 0 when they are orthogonal; blind to any
    rotation within either space (which is why degenerate shells are compared this way).
    """
    check_shape("a", a, (None, None))
    check_shape("b", b, (None, a.shape[1]))
    qa = torch.linalg.qr(a.double().T).Q  # (d, p)
    qb = torch.linalg.qr(b.double().T).Q
    cosines = torch.linalg.svdvals(qa.T @ qb)
    return float((cosines ** 2).sum() / min(qa.shape[1], qb.shape[1]))


def active_directions(model: torch.nn.Module, x: torch.Tensor, threshold: float = 0.01) -> torch.Tensor:
    """Decoder columns (m, d) of a :class:`~course_utils.collapse.LinearVAE` whose latents cost more than
    ``threshold`` nats of KL on ``x``: the directions the VAE actually uses."""
    with torch.no_grad():
        kl = model.loss(x)[2]
    return model.decoder.weight.detach().T[kl > threshold]


def evaluate_rg(L: int = 16, mass: float = 0.3, n: int = 3000, seed: int = 0) -> dict[str, float]:
    """The lab's measured results at a decoder noise s^2 between the 3rd and 4th shells' lambda: fraction of the decoder
    directions' power in the kept modes, active vs expected latents, overlap with the kept subspace."""
    from course_utils.collapse import LinearVAE

    g = torch.Generator().manual_seed(seed)
    x = sample_gff(n, L, mass, g).reshape(n, L * L)
    sigma2 = default_sigma2(L, mass)
    torch.manual_seed(seed)
    model = LinearVAE(L * L, 24, sigma2)
    model.fit(x)
    directions = active_directions(model, x)
    mask = kept_modes(L, mass, sigma2)
    kept_shells = torch.unique(shells(L)[0][mask])  # lambda depends on k only through its shell
    return {"low_k_power_fraction": float(shell_power(directions, L)[kept_shells].sum()),
            "active_latents": float(len(directions)),
            "expected_active_latents": float(expected_active_latents(L, mass, sigma2)),
            "subspace_overlap": subspace_overlap(directions, mode_basis(mask)),
            "sigma2": sigma2}


def default_sigma2(L: int, mass: float, shells_kept: int = 3) -> float:
    """A decoder noise variance s^2 between the lambda of shell ``shells_kept - 1`` and of shell ``shells_kept``
    (geometric mean): the optimal VAE keeps exactly the first ``shells_kept`` shells."""
    _, values = shells(L)
    lam = 1.0 / (mass ** 2 + values)
    return float(torch.sqrt(lam[shells_kept - 1] * lam[shells_kept]))
