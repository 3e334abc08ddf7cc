"""Lab 08 references against independent computations: the real-space precision matrix for the spectrum
and the sampler's covariance, NumPy's FFT for shell power, SciPy's principal angles for subspace overlap."""

import itertools
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


@pytest.mark.filterwarnings("error")  # no warning on stderr (e.g. meshgrid without indexing)
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


# ------------------------------------------------------------------ issue #23: pins written for mutation testing
def _precision_by_kronecker(L, mass):
    """m^2 I - Laplacian on the periodic L x L lattice as m^2 I + D (x) I + I (x) D, D the 1-D periodic second
    difference 2 I - S - S^T (S the cyclic shift), site (i, j) at index i L + j."""
    shift = np.roll(np.eye(L), 1, axis=1)
    d = 2 * np.eye(L) - shift - shift.T
    return mass ** 2 * np.eye(L * L) + np.kron(d, np.eye(L)) + np.kron(np.eye(L), d)


@pytest.mark.parametrize("L, mass", [(2, 1.0), (3, 0.5), (5, 1.3)])
def test_laplacian_covariance_is_the_inverse_of_the_kronecker_precision(L, mass):
    """L = 2 included: there both neighbours along an axis are the same site (a -2 off the diagonal)."""
    expected = np.linalg.inv(_precision_by_kronecker(L, mass))
    np.testing.assert_allclose(lattice.laplacian_covariance(L, mass), expected, rtol=1e-12, atol=1e-14,
                               err_msg=f"laplacian_covariance({L}, {mass})")


@pytest.mark.parametrize("L", [2, 5, 6])
def test_lattice_frequencies_and_eigenvalues_entry_by_entry(L):
    """omega(n1, n2) = (2 - 2 cos(2 pi n1 / L)) + (2 - 2 cos(2 pi n2 / L)) at index [n1, n2] (FFT order), and
    lambda = 1 / (m^2 + omega) is the Rayleigh quotient of the plane wave cos(k.x) under the covariance."""
    n = np.arange(L)
    one = 2 - 2 * np.cos(2 * np.pi * n / L)
    omega = one[:, None] + one[None, :]
    got = lattice.lattice_frequencies(L)
    assert got.dtype == torch.float64 and got.shape == (L, L)
    np.testing.assert_allclose(got.numpy(), omega, atol=1e-12, err_msg=f"lattice_frequencies({L})")
    mass = 0.7
    lam = lattice.gff_eigenvalues(L, mass)
    np.testing.assert_allclose(lam.numpy(), 1 / (mass ** 2 + omega), rtol=1e-12, err_msg=f"gff_eigenvalues({L}, 0.7)")
    cov = np.linalg.inv(_precision_by_kronecker(L, mass))
    x1, x2 = np.meshgrid(n, n, indexing="ij")
    for n1, n2 in itertools.product(range(L), repeat=2):
        v = np.cos(2 * np.pi * (n1 * x1 + n2 * x2) / L).ravel()
        assert lam[n1, n2].item() == pytest.approx(v @ cov @ v / (v @ v), rel=1e-10), (n1, n2)


def test_sample_gff_replays_its_documented_noise_exactly():
    """w = torch.randn(n, L, L, float64) from the generator, then phi = w C^(1/2) with C^(1/2) the symmetric root
    of the real-space covariance (lab 08's visible computation); n = 1 is allowed, n = 0 is not."""
    for n, L, mass in ((3, 5, 0.7), (1, 4, 1.2)):
        got = lattice.sample_gff(n, L, mass, torch.Generator().manual_seed(5))
        w = torch.randn(n, L, L, generator=torch.Generator().manual_seed(5), dtype=torch.float64).numpy()
        vals, vecs = np.linalg.eigh(_precision_by_kronecker(L, mass))
        root = vecs @ np.diag(vals ** -0.5) @ vecs.T
        assert got.dtype == torch.float64 and got.shape == (n, L, L)
        np.testing.assert_allclose(got.numpy(), (w.reshape(n, -1) @ root).reshape(n, L, L), atol=1e-12,
                                   err_msg=f"sample_gff({n}, {L}, {mass})")
    with pytest.raises(ValueError, match="n must be positive"):
        lattice.sample_gff(0, 4, 1.0)


def test_shells_of_a_3x3_lattice_by_hand():
    """Per axis 4 sin^2(pi n / 3) = 0, 3, 3: shells 0, 3, 6 with 1, 4, 4 wave vectors, index in FFT order."""
    index, values = lattice.shells(3)
    np.testing.assert_allclose(values.numpy(), [0, 3, 6], atol=1e-12, err_msg="shells(3) frequencies")
    assert index.tolist() == [[0, 1, 1], [1, 2, 2], [1, 2, 2]], f"shells(3) index: got {index.tolist()}"


def test_shell_power_weighs_every_direction_equally_whatever_its_length():
    """A k = 0 direction of length 0.01 and a k = (1, 0) plane wave of length 3: half the power each; a zero
    direction adds nothing (and no NaN)."""
    L = 4
    x = np.arange(L)
    flat = np.full(L * L, 0.01 / L)
    wave = 3 * (np.cos(2 * np.pi * x / L)[:, None] * np.ones(L)).ravel() / np.sqrt(8)
    got = lattice.shell_power(torch.tensor(np.array([flat, wave, np.zeros(L * L)])), L).numpy()
    np.testing.assert_allclose(got, [0.5, 0.5, 0, 0, 0], atol=1e-12, err_msg="shell_power of (0.01 k=0, 3 k=(1,0), 0)")


def test_kept_modes_count_strictly_above_the_noise():
    """m = 1: lambda(0) = 1 exactly, so s^2 = 1 keeps nothing; s^2 just below keeps only k = 0. L = 4, m = 1:
    lambda = 1, 1/3, 1/5, 1/7, 1/9 on shells of 1, 4, 6, 4, 1 wave vectors."""
    assert lattice.expected_active_latents(4, 1.0, 1.0) == 0
    assert lattice.expected_active_latents(4, 1.0, 0.99) == 1
    assert lattice.expected_active_latents(4, 1.0, 0.3) == 5
    assert lattice.expected_active_latents(4, 1.0, 0.1) == 16
    mask = lattice.kept_modes(4, 1.0, 0.3)
    assert mask.dtype == torch.bool and mask.tolist() == [[True, True, False, True], [True, False, False, False],
                                                          [False, False, False, False], [True, False, False, False]]
    with pytest.raises(ValueError, match="sigma2"):
        lattice.kept_modes(4, 1.0, 0.0)


@pytest.mark.filterwarnings("error")
def test_plane_waves_by_hand_on_a_4x4_lattice():
    """Mask {k = (0, 1), (0, 3) = -(0, 1), (0, 2)}: the pair gives cos and sin of 2 pi x2 / 4, and (0, 2) = -(0, 2)
    gives only cos(pi x2) = +-1; each row of norm 1, in the order of the mask's entries."""
    mask = torch.zeros(4, 4, dtype=torch.bool)
    mask[0, 1] = mask[0, 3] = mask[0, 2] = True
    x2 = np.tile(np.arange(4), (4, 1))
    expected = np.array([np.cos(np.pi * x2 / 2), np.sin(np.pi * x2 / 2), np.cos(np.pi * x2)]).reshape(3, 16)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(lattice.plane_waves(mask).numpy(), expected, atol=1e-12, err_msg="plane_waves")


def test_mode_basis_of_a_single_self_conjugate_mode():
    """k = (2, 0) on a 4 x 4 lattice is its own partner: the basis is the one vector +-cos(pi x1) / 4."""
    mask = torch.zeros(4, 4, dtype=torch.bool)
    mask[2, 0] = True
    basis = lattice.mode_basis(mask).numpy()
    wave = np.cos(np.pi * np.arange(4))[:, None].repeat(4, 1).ravel() / 4
    assert basis.shape == (1, 16)
    assert abs(basis[0] @ wave) == pytest.approx(1.0, abs=1e-10), f"mode_basis: got {basis}"


def test_subspace_overlap_when_one_space_is_inside_the_other_and_when_orthogonal():
    e = np.eye(4)
    assert lattice.subspace_overlap(torch.tensor(e[:1]), torch.tensor(e[:3])) == pytest.approx(1.0)
    assert lattice.subspace_overlap(torch.tensor(e[:3]), torch.tensor(e[:1])) == pytest.approx(1.0)
    assert lattice.subspace_overlap(torch.tensor(e[:2]), torch.tensor(e[2:])) == pytest.approx(0.0, abs=1e-15)
    # span{e0, e1} against span{e0 + e2, e3}: cosines 1/sqrt(2) and 0, mean of squares over 2
    b = np.array([e[0] + e[2], e[3]])
    assert lattice.subspace_overlap(torch.tensor(e[:2]), torch.tensor(b)) == pytest.approx(0.25)


def test_active_directions_keeps_the_decoder_columns_of_latents_above_the_kl_threshold():
    """A LinearVAE with hand-set weights: mu_j = w_j x1, logvar 0, so KL_j = w_j^2 mean(x1^2) / 2 = w_j^2 / 2
    (x1 = +-1). KL = (0.125, 0.0045, 0, 0.02) -> columns 0 and 3 at the default threshold 0.01; KL = 0 is not
    above a threshold of 0."""
    from course_utils.collapse import LinearVAE

    model = LinearVAE(3, 4, 1.0)
    with torch.no_grad():
        model.encoder.weight.zero_()
        model.encoder.bias.zero_()
        model.encoder.weight[:, 0] = torch.tensor([0.5, 0.03 * np.sqrt(10), 0.0, 0.2], dtype=torch.float64)
        model.decoder.weight.copy_(torch.arange(12, dtype=torch.float64).reshape(3, 4))
    x = torch.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], dtype=torch.float64)
    cols = np.arange(12.0).reshape(3, 4).T
    got = lattice.active_directions(model, x)
    np.testing.assert_allclose(got.numpy(), cols[[0, 3]], err_msg="active_directions, default threshold 0.01")
    np.testing.assert_allclose(lattice.active_directions(model, x, threshold=0.0).numpy(), cols[[0, 1, 3]],
                               err_msg="active_directions, threshold 0")
    np.testing.assert_allclose(lattice.active_directions(model, x, threshold=0.1).numpy(), cols[[0]],
                               err_msg="active_directions, threshold 0.1")


def test_default_sigma2_is_the_geometric_mean_of_the_shell_variances_by_hand():
    """L = 16: per axis s1 = 4 sin^2(pi / 16), s2 = 4 sin^2(2 pi / 16); the shells start 0, s1, 2 s1, s2, s1 + s2
    in ascending order. Default: between shells 2 and 3 (shells() rounds frequencies to 9 decimals: rel 1e-8)."""
    s1, s2 = 4 * np.sin(np.pi / 16) ** 2, 4 * np.sin(2 * np.pi / 16) ** 2
    omegas = [0.0, s1, 2 * s1, s2, s1 + s2]
    assert sorted(omegas) == omegas
    lam = [1 / (0.3 ** 2 + w) for w in omegas]
    assert lattice.default_sigma2(16, 0.3) == pytest.approx(np.sqrt(lam[2] * lam[3]), rel=1e-8)
    assert lattice.default_sigma2(16, 0.3, shells_kept=1) == pytest.approx(np.sqrt(lam[0] * lam[1]), rel=1e-8)
    assert lattice.default_sigma2(16, 0.3, shells_kept=4) == pytest.approx(np.sqrt(lam[3] * lam[4]), rel=1e-8)


def test_lattice_side_and_mass_limits():
    """L = 2 and a small positive mass are allowed; a non-integer L is refused."""
    np.testing.assert_allclose(lattice.lattice_frequencies(2).numpy(), [[0, 4], [4, 8]], atol=1e-12)
    assert lattice.gff_eigenvalues(2, 0.1)[0, 0].item() == pytest.approx(100.0)
    for L in (2.5, 1, 0):
        with pytest.raises(ValueError, match="integer >= 2"):
            lattice.lattice_frequencies(L)
    with pytest.raises(ValueError, match="mass"):
        lattice.sample_gff(2, 4, -1.0)


@pytest.mark.parametrize("call, message", [
    (lambda: lattice.mode_basis(torch.ones(3, 4, dtype=torch.bool)), "mask must have shape (3, 3), got (3, 4)"),
    (lambda: lattice.plane_waves(torch.ones(3, 4, dtype=torch.bool)), "mask must have shape (3, 3), got (3, 4)"),
    (lambda: lattice.shell_power(torch.zeros(2, 10), 4), "directions must have shape (*, 16), got (2, 10)"),
    (lambda: lattice.subspace_overlap(torch.zeros(5), torch.zeros(2, 5)), "a must have shape (*, *), got (5,)"),
    (lambda: lattice.subspace_overlap(torch.zeros(2, 5), torch.zeros(2, 4)), "b must have shape (*, 5), got (2, 4)"),
])
def test_shape_errors_name_the_argument_and_the_expected_shape(call, message):
    with pytest.raises(ValueError) as err:
        call()
    assert str(err.value) == message, f"expected the message {message!r}, got {str(err.value)!r}"


def test_mode_basis_is_orthogonal_to_every_plane_wave_it_does_not_keep():
    """The first two shells of an 8 x 8 lattice (k = 0 and the four k = (+-1, 0), (0, +-1)): every other plane wave
    cos(k.x) and sin(k.x) is orthogonal to the basis to rounding (1e-12), every kept one lies inside it."""
    L = 8
    index, _ = lattice.shells(L)
    mask = index <= 1
    basis = lattice.mode_basis(mask).numpy()
    assert basis.shape == (5, L * L)
    x1, x2 = np.meshgrid(np.arange(L), np.arange(L), indexing="ij")
    for n1, n2 in itertools.product(range(L), repeat=2):
        for wave in (np.cos, np.sin):
            v = wave(2 * np.pi * (n1 * x1 + n2 * x2) / L).ravel()
            if np.linalg.norm(v) < 1e-9:
                continue
            inside = np.linalg.norm(basis @ v) / np.linalg.norm(v)
            want = 1.0 if mask[n1, n2] else 0.0
            assert inside == pytest.approx(want, abs=1e-12), f"mode_basis: wave {wave.__name__} k = ({n1}, {n2})"
