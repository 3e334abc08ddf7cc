"""Lab 09 references against independent computations: brute-force searches over 125 periodic images in
NumPy, hand-worked cells, and lattice lengths and angles."""

import itertools

import numpy as np
import pytest
import torch

from course_utils import crystal

SHIFTS_125 = np.array(list(itertools.product(range(-2, 3), repeat=3)), dtype=float)


def brute_min_image_sq(fa: np.ndarray, fb: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(N,) squared minimum-image distances by trying every shift in {-2..2}^3 (no wrapping)."""
    d = (fa - fb)[:, None, :] + SHIFTS_125[None]
    return ((d @ lat) ** 2).sum(-1).min(1)


def random_cells(n: int, rng: np.random.Generator) -> np.ndarray:
    cells = [crystal._cell(*rng.uniform(2.5, 5.0, 3), *rng.uniform(65, 115, 3)) for _ in range(n)]
    return np.array([c for c in cells if np.all(np.isfinite(c))])


def test_lattice_from_raw_has_positive_volume_and_the_stated_form():
    raw = torch.tensor([[0.0, 0.0, 0.0, 1.0, 2.0, 3.0]])
    lat = crystal.lattice_from_raw(raw, min_length=1.0)
    d = np.log(2) + 1.0  # softplus(0) + min_length
    np.testing.assert_allclose(lat[0].numpy(), [[d, 0, 0], [1, d, 0], [2, 3, d]], rtol=1e-6)
    g = torch.Generator().manual_seed(0)
    many = crystal.lattice_from_raw(20 * torch.randn(10_000, 6, generator=g))
    assert (torch.linalg.det(many.double()) > 0).all()
    assert (torch.diagonal(many, dim1=1, dim2=2) >= 1.0).all()
    with pytest.raises(ValueError, match="raw lattice"):
        crystal.lattice_from_raw(torch.zeros(2, 5))


def test_lower_triangular_keeps_lengths_and_angles():
    rng = np.random.default_rng(0)
    cells = torch.tensor(random_cells(20, rng))
    rot, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    rot *= np.sign(np.linalg.det(rot))  # a proper rotation
    rotated = cells @ torch.tensor(rot)
    tri = crystal.lower_triangular(rotated)
    assert torch.allclose(tri, torch.tril(tri)) and (torch.diagonal(tri, dim1=1, dim2=2) > 0).all()
    torch.testing.assert_close(crystal.lattice_parameters(tri), crystal.lattice_parameters(cells))
    with pytest.raises(ValueError, match="determinant"):
        crystal.lower_triangular(-torch.eye(3)[None])


def test_lattice_parameters_of_a_known_cell():
    cell = torch.tensor(crystal._cell(3.0, 4.0, 5.0, 80.0, 100.0, 110.0))[None]
    np.testing.assert_allclose(crystal.lattice_parameters(cell)[0].numpy(), [3, 4, 5, 80, 100, 110], rtol=1e-10)


def test_min_image_worked_case_and_integer_shift_invariance():
    a = 4.0
    cubic = (a * torch.eye(3))[None]
    d2 = crystal.min_image_sq_distance(torch.tensor([[[0.99, 0.5, 0.5]]]), torch.tensor([[[0.01, 0.5, 0.5]]]), cubic)
    assert d2.item() == pytest.approx((0.02 * a) ** 2, rel=1e-4)
    g = torch.Generator().manual_seed(1)
    fa, fb = torch.rand(1, 5, 3, generator=g), torch.rand(1, 5, 3, generator=g)
    shift = torch.randint(-3, 4, (1, 5, 3), generator=g).float()
    torch.testing.assert_close(crystal.min_image_sq_distance(fa + shift, fb, cubic),
                               crystal.min_image_sq_distance(fa, fb, cubic))


def test_min_image_equals_a_brute_force_search_on_skewed_cells_where_rounding_fails():
    rng = np.random.default_rng(2)
    cells = random_cells(200, rng)
    fa, fb = rng.uniform(0, 1, (len(cells), 6, 3)), rng.uniform(0, 1, (len(cells), 6, 3))
    got = crystal.min_image_sq_distance(torch.tensor(fa), torch.tensor(fb), torch.tensor(cells)).numpy()
    expected = np.array([brute_min_image_sq(fa[i], fb[i], cells[i]) for i in range(len(cells))])
    np.testing.assert_allclose(got, expected, rtol=1e-10)
    naive = (((fa - fb - np.round(fa - fb))[:, :, None, :] @ cells[:, None]) ** 2).sum((-1, -2))
    assert (naive > expected + 1e-6).mean() > 0.01, "rounding alone is wrong for some skewed cells"


def test_min_interatomic_distance_against_brute_force_including_self_images():
    one_atom = crystal.min_interatomic_distance((3.0 * torch.eye(3))[None], torch.zeros(1, 1, 3))
    assert one_atom.item() == pytest.approx(3.0), "a lone atom's nearest neighbour is its own image"
    stacked = crystal.min_interatomic_distance((3.0 * torch.eye(3))[None], torch.tensor([[[0.2, 0.3, 0.4]] * 2]))
    assert stacked.item() == 0.0, "two distinct atoms on the same spot are at distance 0"
    rng = np.random.default_rng(3)
    cells = random_cells(50, rng)
    frac = rng.uniform(0, 1, (len(cells), 4, 3))
    got = crystal.min_interatomic_distance(torch.tensor(cells), torch.tensor(frac)).numpy()
    for i in range(len(cells)):
        best = np.inf
        for p, q in itertools.product(range(4), repeat=2):
            shifts = SHIFTS_125 if p != q else SHIFTS_125[np.abs(SHIFTS_125).sum(1) > 0]
            vec = (frac[i, p] - frac[i, q] + shifts) @ cells[i]
            best = min(best, np.sqrt((vec ** 2).sum(1)).min())
        assert got[i] == pytest.approx(best, rel=1e-10)


def test_periodic_loss_is_zero_at_the_truth_and_blind_to_integer_shifts():
    data = crystal.synthetic_crystals(16, seed=0)
    lat, frac = data["lattice"], data["frac"]
    coords, lattice_loss = crystal.periodic_loss(lat, frac + 2.0, lat, frac)
    assert coords.item() == pytest.approx(0.0, abs=1e-8) and lattice_loss.item() == 0.0
    coords, lattice_loss = crystal.periodic_loss(lat + 0.1, frac, lat, frac)
    assert lattice_loss.item() == pytest.approx(9 * 0.01, rel=1e-4)


def test_features_are_periodic():
    lat = (3 * torch.eye(3))[None]
    a = crystal.features(lat, torch.tensor([[[0.99, 0.2, 0.3]]]))
    b = crystal.features(lat, torch.tensor([[[-0.01, 1.2, -0.7]]]))
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


def test_synthetic_crystals_are_seeded_valid_and_well_spaced():
    a, b = crystal.synthetic_crystals(400, seed=4), crystal.synthetic_crystals(400, seed=4)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert torch.allclose(a["lattice"], torch.tril(a["lattice"]))
    assert (a["frac"] >= 0).all() and (a["frac"] < 1).all()
    assert crystal.min_interatomic_distance(a["lattice"], a["frac"]).min() > 1.8
    assert set(a["family"].tolist()) == {0, 1, 2, 3}


def test_crystal_vae_decodes_valid_cells():
    torch.manual_seed(0)
    model = crystal.CrystalVAE()
    lat, frac = model.sample(64)
    assert (torch.linalg.det(lat.double()) > 0).all()
    assert (frac >= 0).all() and (frac < 1).all() and frac.shape == (64, crystal.N_ATOMS, 3)
    data = crystal.synthetic_crystals(8)
    loss, rec, kl = crystal.crystal_loss(model, (data["lattice"], data["frac"]), 0.5)
    assert loss.item() == pytest.approx(rec.item() + 0.5 * kl.item(), rel=1e-5)


@pytest.mark.slow
def test_evaluate_crystals_meets_the_course_bars():
    r = crystal.evaluate_crystals()
    assert r["positive_volume_rate"] == 1.0 and r["random_raw_positive_volume_rate"] == 1.0
    assert r["min_distance_ok_rate"] >= 0.8
    assert r["test_rms_position_error"] < 0.2


def test_periodic_loss_by_hand_in_the_true_cell_summed_over_atoms():
    """Two crystals, worked by hand: the coordinate error is measured in the TRUE cell (here 4 A and 2 A cubes,
    while the predicted cells are 5 A and 3 A) and summed over the atoms, then averaged over the batch."""
    true_lat = torch.stack([4.0 * torch.eye(3), 2.0 * torch.eye(3)]).double()
    pred_lat = torch.stack([5.0 * torch.eye(3), 3.0 * torch.eye(3)]).double()
    true_frac = torch.tensor([[[0.10, 0.50, 0.50], [0.98, 0.20, 0.20], [0.5, 0.5, 0.5]],
                              [[0.00, 0.00, 0.00], [0.25, 0.25, 0.25], [0.5, 0.5, 0.5]]], dtype=torch.float64)
    pred_frac = true_frac.clone()
    pred_frac[0, 0, 0] = 0.20  # 0.1 of a 4 A cell: 0.4 A, squared 0.16
    pred_frac[0, 1, 0] = 0.03  # 0.98 -> 0.03 across the boundary: 0.05 of 4 A = 0.2 A, squared 0.04
    pred_frac[1, 2] = torch.tensor([0.6, 0.4, 0.5], dtype=torch.float64)  # (0.1, -0.1, 0) of a 2 A cell: 0.04 + 0.04
    coords, lattice_loss = crystal.periodic_loss(pred_lat, pred_frac, true_lat, true_frac)
    assert coords.item() == pytest.approx((0.16 + 0.04 + 0.08) / 2, rel=1e-9)
    assert lattice_loss.item() == pytest.approx((3 * 1.0 + 3 * 1.0) / 2, rel=1e-12)


def test_periodic_loss_equals_a_brute_force_search_on_skewed_cells():
    rng = np.random.default_rng(5)
    true_cells = random_cells(40, rng)
    n = len(true_cells)
    pred_cells = true_cells + rng.normal(0, 0.3, true_cells.shape)  # a wrong cell must not change the coordinate term
    fa, fb = rng.uniform(0, 1, (n, 4, 3)), rng.uniform(0, 1, (n, 4, 3))
    coords, lattice_loss = crystal.periodic_loss(torch.tensor(pred_cells), torch.tensor(fa), torch.tensor(true_cells),
                                                 torch.tensor(fb))
    expected = np.mean([brute_min_image_sq(fa[i], fb[i], true_cells[i]).sum() for i in range(n)])
    assert coords.item() == pytest.approx(expected, rel=1e-10)
    assert lattice_loss.item() == pytest.approx(((pred_cells - true_cells) ** 2).sum((1, 2)).mean(), rel=1e-10)


def test_a_wider_reach_finds_the_short_vectors_of_a_sheared_cell():
    """min_interatomic_distance(reach=r) against a NumPy brute force over the same integer shifts, on a
    cell sheared so far (b = 3.9 a + 0.3 y) that its shortest lattice vector, b - 4a, lies outside the
    27 shifts: reach 1 and 3 overestimate, reach 4 finds |b - 4a| = sqrt(0.1^2 + 0.3^2)."""
    lattice = np.array([[1.0, 0, 0], [3.9, 0.3, 0], [0, 0, 5.0]])
    frac = np.array([[[0.1, 0.2, 0.3]]])

    def brute(reach):
        return min(np.linalg.norm(np.array(s, dtype=float) @ lattice)
                   for s in itertools.product(range(-reach, reach + 1), repeat=3) if any(s))

    for reach, exact in ((1, 1.0), (3, np.hypot(0.9, 0.3)), (4, np.hypot(0.1, 0.3))):
        got = crystal.min_interatomic_distance(torch.tensor(lattice)[None], torch.tensor(frac), reach=reach).item()
        assert got == pytest.approx(brute(reach), abs=1e-9) and got == pytest.approx(exact, abs=1e-9), (reach, got)
    with pytest.raises(ValueError, match="reach must be >= 1"):
        crystal.min_interatomic_distance(torch.tensor(lattice)[None], torch.tensor(frac), reach=0)
