"""Lab 08 references against independent computations: the real-space precision matrix for the spectrum
and the sampler's covariance, NumPy's FFT for shell power, SciPy's principal angles for subspace overlap."""

import math

import numpy as np
import pytest
import torch
from scipy.linalg import subspace_angles

from course_utils import lattice


def test_fourier_eigenvalues_are_those_of_the_real_space_covariance():
    cov = lattice.laplacian_covariance(6, 0.5)
    np.testing.assert_allclose(np.sort(lattice.gff_eigenvalues(6, 0.5).numpy().ravel()),
                               np.sort(np.linalg.eigvalsh(cov)), rtol=1e-10)
    assert lattice.gff_eigenvalues(6, 0.5)[0, 0] == pytest.approx(1 / 0.25), "k = 0 has variance 1/m^2"


def test_exact_sampler_has_the_free_field_covariance():
    g = torch.Generator().manual_seed(0)
    phi = lattice.sample_gff(40_000, 5, 0.7, g).reshape(40_000, 25).numpy()
    cov = lattice.laplacian_covariance(5, 0.7)
    # standard error of a covariance entry ~ sqrt((C_ii C_jj + C_ij^2) / n) < 0.02 here
    assert np.abs(np.cov(phi, rowvar=False, bias=True) - cov).max() < 0.05
    assert np.abs(phi.mean(0)).max() < 0.05
    again = lattice.sample_gff(3, 5, 0.7, torch.Generator().manual_seed(1))
    assert torch.equal(again, lattice.sample_gff(3, 5, 0.7, torch.Generator().manual_seed(1)))


def test_shells_of_a_4x4_lattice_by_hand():
    index, values = lattice.shells(4)
    # 4 sin^2(pi n / 4) = 0, 2, 4, 2 per axis; sums 0, 2, 4, 6, 8 with 1, 4, 6, 4, 1 wave vectors
    np.testing.assert_allclose(values.numpy(), [0, 2, 4, 6, 8], atol=1e-12)
    assert np.bincount(index.numpy().ravel()).tolist() == [1, 4, 6, 4, 1]


def test_shell_power_of_plane_waves_and_numpy_fft():
    L = 8
    x = np.arange(L)
    wave = np.cos(2 * math.pi * x / L)[:, None] * np.ones(L)[None, :]  # k = (1, 0): shell 1
    power = lattice.shell_power(torch.tensor(wave.reshape(1, -1)), L)
    assert power[1] == pytest.approx(1.0) and power.sum() == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    d = rng.normal(size=(3, L * L))
    index, _ = lattice.shells(L)
    p = sum(np.abs(np.fft.fft2((v / np.linalg.norm(v)).reshape(L, L))) ** 2 for v in d)
    expected = np.bincount(index.numpy().ravel(), weights=p.ravel())
    np.testing.assert_allclose(lattice.shell_power(torch.tensor(d), L).numpy(), expected / expected.sum(), rtol=1e-10)
    with pytest.raises(ValueError, match="directions"):
        lattice.shell_power(torch.zeros(2, 10), L)


def test_mode_basis_spans_the_kept_plane_waves():
    L, mass, sigma2 = 8, 0.3, 1.0
    mask = lattice.kept_modes(L, mass, sigma2)
    basis = lattice.mode_basis(mask)
    assert basis.shape == (lattice.expected_active_latents(L, mass, sigma2), L * L) == (5, 64)
    torch.testing.assert_close(basis @ basis.T, torch.eye(5, dtype=torch.float64), atol=1e-10, rtol=0)
    x = np.arange(L)
    waves = [np.ones((L, L)), np.cos(2 * math.pi * x / L)[:, None] + 0 * x,
             np.sin(2 * math.pi * x / L)[None, :] + 0 * x[:, None]]
    for w in waves:
        v = torch.tensor(w.ravel() / np.linalg.norm(w))
        assert float((basis @ v).norm()) == pytest.approx(1.0), "a kept plane wave lies in the span"
    asym = torch.zeros(L, L, dtype=torch.bool)
    asym[0, 1] = True
    with pytest.raises(ValueError, match="symmetric"):
        lattice.mode_basis(asym)


def test_plane_waves_are_an_orthonormal_basis_of_the_same_span():
    mask = lattice.kept_modes(8, 0.3, 1.0)
    waves = lattice.plane_waves(mask)
    assert waves.shape == (5, 64)
    torch.testing.assert_close(waves @ waves.T, torch.eye(5, dtype=torch.float64), atol=1e-10, rtol=0)
    assert lattice.subspace_overlap(waves, lattice.mode_basis(mask)) == pytest.approx(1.0)
    np.testing.assert_allclose(waves[0].numpy(), 1 / 8)  # k = 0 is the constant wave


def test_subspace_overlap_matches_scipy_principal_angles():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 10)), rng.normal(size=(5, 10))
    expected = np.mean(np.cos(subspace_angles(a.T, b.T)) ** 2)
    assert lattice.subspace_overlap(torch.tensor(a), torch.tensor(b)) == pytest.approx(expected, rel=1e-10)
    rot = torch.tensor(np.linalg.qr(rng.normal(size=(3, 3)))[0]) @ torch.tensor(a)
    assert lattice.subspace_overlap(torch.tensor(a), rot) == pytest.approx(1.0), "blind to rotations within the space"


def test_bad_lattice_arguments_are_explained():
    with pytest.raises(ValueError, match="mass"):
        lattice.gff_eigenvalues(8, 0.0)
    with pytest.raises(ValueError, match="integer"):
        lattice.gff_eigenvalues(1, 1.0)
    with pytest.raises(ValueError, match="sigma2"):
        lattice.kept_modes(8, 1.0, -1.0)


def test_default_sigma2_keeps_the_first_shells():
    sigma2 = lattice.default_sigma2(16, 0.3, shells_kept=3)
    assert lattice.expected_active_latents(16, 0.3, sigma2) == 1 + 4 + 4


@pytest.mark.slow
def test_evaluate_rg_meets_the_course_bars():
    r = lattice.evaluate_rg()
    assert r["low_k_power_fraction"] >= 0.9
    assert r["active_latents"] == r["expected_active_latents"] == 9
    assert r["subspace_overlap"] >= 0.9
