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


# ------------------------------------------------------------------ issue #23: pins written for mutation testing
@pytest.mark.parametrize("call, name", [
    (lambda: crystal.lattice_from_raw(torch.zeros(2, 5)), "raw lattice"),
    (lambda: crystal.lower_triangular(torch.zeros(2, 3, 2)), "lattice"),
    (lambda: crystal.lattice_parameters(torch.zeros(2, 3)), "lattice"),
    (lambda: crystal.min_image_sq_distance(torch.zeros(2, 3), torch.zeros(2, 3), torch.eye(3)[None]), "frac_a"),
    (lambda: crystal.min_image_sq_distance(torch.zeros(1, 2, 3), torch.zeros(1, 3, 3), torch.eye(3)[None]), "frac_b"),
    (lambda: crystal.min_image_sq_distance(torch.zeros(1, 2, 3), torch.zeros(1, 2, 3),
                                           torch.eye(3)[None].repeat(2, 1, 1)), "lattice"),
    (lambda: crystal.periodic_loss(torch.eye(3)[None].repeat(2, 1, 1), torch.zeros(1, 2, 3), torch.eye(3)[None],
                                   torch.zeros(1, 2, 3)), "pred_lattice"),
    (lambda: crystal.min_interatomic_distance(torch.eye(3)[None], torch.zeros(2, 3)), "frac"),
    (lambda: crystal.min_interatomic_distance(torch.eye(3)[None].repeat(2, 1, 1), torch.zeros(1, 2, 3)), "lattice"),
    (lambda: crystal.features(torch.zeros(1, 3), torch.zeros(1, 2, 3)), "lattice"),
    (lambda: crystal.features(torch.eye(3)[None], torch.zeros(2, 2, 3)), "frac"),
    (lambda: crystal.CrystalVAE(latent_dim=4).decode_raw(torch.zeros(2, 5)), "z"),
])
def test_shape_errors_name_the_argument(call, name):
    """Each shape error starts with the argument's own name, spelled as in the signature."""
    with pytest.raises(ValueError, match=rf"^{name} must have shape "):
        call()


def test_lattice_from_raw_by_hand_with_another_min_length_in_float64():
    """u = (-2, 0.5, 3), min_length 0.5: the diagonal is log(1 + e^u) + 0.5; the off-diagonal entries are copied
    (lab 09's visible case); a float64 input stays float64 to the last digit."""
    raw = torch.tensor([[-2.0, 0.5, 3.0, 0.25, -1.5, 7.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]], dtype=torch.float64)
    lat = crystal.lattice_from_raw(raw, min_length=0.5)
    d = np.log1p(np.exp([-2.0, 0.5, 3.0])) + 0.5
    expected = np.array([[[d[0], 0, 0], [0.25, d[1], 0], [-1.5, 7.0, d[2]]],
                         [[np.log(2) + 0.5, 0, 0], [0, np.log(2) + 0.5, 0], [0, 0, np.log(2) + 0.5]]])
    assert lat.dtype == torch.float64, f"lattice_from_raw: expected float64 out of float64 in, got {lat.dtype}"
    np.testing.assert_allclose(lat.numpy(), expected, rtol=1e-14, atol=0, err_msg="lattice_from_raw(u, 0.5)")


def test_lower_triangular_gives_back_a_hand_made_cell_after_a_rotation():
    """Two lower-triangular cells with positive diagonals (one of volume 0.125 < 1), rotated by a proper rotation:
    lower_triangular must undo the rotation exactly. A flat cell (volume 0) is refused like a left-handed one."""
    cells = np.array([[[2.0, 0, 0], [1.0, 3.0, 0], [0.5, 1.0, 4.0]], 0.5 * np.eye(3)])
    c, s = np.cos(0.7), np.sin(0.7)
    rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]) @ np.array([[1, 0, 0], [0, c, s], [0, -s, c]])
    got = crystal.lower_triangular(torch.tensor(cells @ rot)).numpy()
    np.testing.assert_allclose(got, cells, atol=1e-12, err_msg="lower_triangular(cells @ rotation) != cells")
    flat = torch.tensor([[[1.0, 0, 0], [0, 1.0, 0], [1.0, 1.0, 0]]], dtype=torch.float64)
    with pytest.raises(ValueError, match="determinant"):
        crystal.lower_triangular(flat)


def test_lattice_parameters_of_a_batch_match_numpy_and_survive_rounding_for_parallel_vectors():
    cells = np.array([[[3.0, 0, 0], [1.0, 2.0, 0], [0.5, -1.0, 2.5]], [[1.0, 1.0, 0], [0, 2.0, 0], [0.3, 0.2, 1.0]]])

    def angle(u, v):
        return np.degrees(np.arccos(u @ v / np.linalg.norm(u) / np.linalg.norm(v)))

    expected = [[*np.linalg.norm(c, axis=1), angle(c[1], c[2]), angle(c[0], c[2]), angle(c[0], c[1])] for c in cells]
    got = crystal.lattice_parameters(torch.tensor(cells)).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12, err_msg="lattice_parameters of two cells in one batch")
    # a = (0.1, 0.1, 0.3): in float64 a.a / (|a| |a|) = 1 + 2e-16, so arccos needs the clamp to [-1, 1]
    a = np.array([0.1, 0.1, 0.3])
    assert a @ a / (np.linalg.norm(a) * np.linalg.norm(a)) > 1, "the test vector no longer rounds above 1"
    degenerate = torch.tensor(np.array([[a, -a, a]]))
    got = crystal.lattice_parameters(degenerate)[0].numpy()
    np.testing.assert_allclose(got, [np.sqrt(0.11)] * 3 + [180, 0, 180], atol=1e-6,
                               err_msg="lattice_parameters of parallel vectors: (alpha, beta, gamma) = (180, 0, 180)")


def test_min_interatomic_distance_default_reach_and_reach_2_on_a_sheared_cell():
    """b = 1.9 a + 0.3 y: the 27 shifts (the default reach) find b - a = (0.9, 0.3); reach 2 finds b - 2a =
    (-0.1, 0.3), whose shift (-2, 1, 0) mixes signs; both against a NumPy brute force over the same shifts."""
    lattice = np.array([[1.0, 0, 0], [1.9, 0.3, 0], [0, 0, 5.0]])
    frac = torch.tensor([[[0.3, 0.6, 0.9]]], dtype=torch.float64)

    def brute(reach):
        return min(np.linalg.norm(np.array(s, dtype=float) @ lattice)
                   for s in itertools.product(range(-reach, reach + 1), repeat=3) if any(s))

    default = crystal.min_interatomic_distance(torch.tensor(lattice)[None], frac).item()
    assert default == pytest.approx(brute(1), abs=1e-12) and default == pytest.approx(np.hypot(0.9, 0.3), abs=1e-12), \
        f"min_interatomic_distance default reach: expected |b - a| = 0.9487, got {default}"
    two = crystal.min_interatomic_distance(torch.tensor(lattice)[None], frac, reach=2).item()
    assert two == pytest.approx(brute(2), abs=1e-12) and two == pytest.approx(np.hypot(0.1, 0.3), abs=1e-12), \
        f"min_interatomic_distance(reach=2): expected |b - 2a| = 0.3162, got {two}"


@pytest.mark.parametrize("reach", [1, 2])
def test_distances_stay_on_the_device_of_their_inputs(reach):
    """Every tensor made inside follows the inputs' device (on 'meta', a mix with the CPU raises)."""
    lat = torch.eye(3, device="meta")[None].expand(2, 3, 3)
    frac = torch.zeros(2, 4, 3, device="meta")
    out = crystal.min_interatomic_distance(lat, frac, reach=reach)
    assert out.device.type == "meta" and out.shape == (2,), f"min_interatomic_distance: got {out.device}, {out.shape}"
    out = crystal.min_image_sq_distance(frac, frac, lat)
    assert out.device.type == "meta" and out.shape == (2, 4), f"min_image_sq_distance: got {out.device}, {out.shape}"
    out = crystal.lattice_from_raw(torch.zeros(2, 6, device="meta"))
    assert out.device.type == "meta" and out.shape == (2, 3, 3), f"lattice_from_raw: got {out.device}, {out.shape}"


def test_features_by_hand():
    """(L00, L11, L22, L10, L20, L21), then sin(2 pi f) and cos(2 pi f) with the atoms' coordinates in order."""
    lat = torch.tensor([[[1.0, 0, 0], [2.0, 3.0, 0], [4.0, 5.0, 6.0]]], dtype=torch.float64)
    frac = torch.tensor([[[0.25, 0.5, 0.125], [0.0, 0.75, 1.0 / 12]]], dtype=torch.float64)
    r = np.sqrt(0.5)
    expected = [1, 3, 6, 2, 4, 5, 1, 0, r, 0, -1, 0.5, 0, -1, r, 1, 0, np.sqrt(0.75)]
    np.testing.assert_allclose(crystal.features(lat, frac)[0].numpy(), expected, atol=1e-15,
                               err_msg="features: 6 lattice entries, sin(2 pi f), cos(2 pi f)")


def test_crystal_vae_default_layers():
    """CrystalVAE(): encoder 30 -> 128 -> 128 with a ReLU after each layer, heads 128 -> 8,
    decoder 8 -> 128 -> 128 -> 18."""
    model = crystal.CrystalVAE()
    shapes = lambda seq: [tuple(m.weight.shape) if isinstance(m, torch.nn.Linear) else type(m).__name__ for m in seq]
    assert shapes(model.encoder) == [(128, 30), "ReLU", (128, 128), "ReLU"], shapes(model.encoder)
    assert tuple(model.mu.weight.shape) == tuple(model.logvar.weight.shape) == (8, 128)
    assert shapes(model.decoder) == [(128, 8), "ReLU", (128, 128), "ReLU", (18, 128)], shapes(model.decoder)


def test_crystal_loss_follows_the_model_equations_written_in_numpy():
    """crystal_loss with the default beta = 1 on a small float64 model: encoder (ReLU after each layer), heads,
    z = mu + exp(logvar / 2) eps (eps replayed from the same seed), decoder, softplus diagonal + 1, f mod 1,
    coordinate loss by brute force over 125 images in the true cell, lattice loss, KL averaged over the batch."""
    torch.manual_seed(3)
    model = crystal.CrystalVAE(n_atoms=2, latent_dim=3, hidden=5).double()
    with torch.no_grad():
        model.logvar.bias.add_(-1.0)
    rng = np.random.default_rng(7)
    lat = np.array([np.tril(rng.uniform(-1, 1, (3, 3))) + np.diag(rng.uniform(3, 5, 3)) for _ in range(3)])
    frac = rng.uniform(0, 1, (3, 2, 3))
    torch.manual_seed(11)
    loss, rec, kl = crystal.crystal_loss(model, (torch.tensor(lat), torch.tensor(frac)))
    torch.manual_seed(11)
    eps = torch.randn(3, 3, dtype=torch.float64).numpy()

    w = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    relu = lambda x: np.maximum(x, 0)
    ang = 2 * np.pi * frac.reshape(3, -1)
    x = np.concatenate([lat[:, [0, 1, 2, 1, 2, 2], [0, 1, 2, 0, 0, 1]], np.sin(ang), np.cos(ang)], 1)
    h = relu(relu(x @ w["encoder.0.weight"].T + w["encoder.0.bias"]) @ w["encoder.2.weight"].T + w["encoder.2.bias"])
    mu, logvar = h @ w["mu.weight"].T + w["mu.bias"], h @ w["logvar.weight"].T + w["logvar.bias"]
    z = mu + np.exp(logvar / 2) * eps
    out = relu(relu(z @ w["decoder.0.weight"].T + w["decoder.0.bias"]) @ w["decoder.2.weight"].T
               + w["decoder.2.bias"]) @ w["decoder.4.weight"].T + w["decoder.4.bias"]
    pred_lat = np.zeros((3, 3, 3))
    pred_lat[:, [0, 1, 2], [0, 1, 2]] = np.log1p(np.exp(out[:, :3])) + 1.0
    pred_lat[:, [1, 2, 2], [0, 0, 1]] = out[:, 3:6]
    pred_frac = np.mod(out[:, 6:].reshape(3, 2, 3), 1.0)
    coords = np.mean([brute_min_image_sq(pred_frac[i], frac[i], lat[i]).sum() for i in range(3)])
    lattice_loss = ((pred_lat - lat) ** 2).sum((1, 2)).mean()
    kl_mean = (0.5 * (mu ** 2 + np.exp(logvar) - 1 - logvar).sum(1)).mean()
    for name, got, want in (("kl", kl, kl_mean), ("reconstruction", rec, coords + lattice_loss),
                            ("loss", loss, coords + lattice_loss + kl_mean)):
        assert got.item() == pytest.approx(want, rel=1e-10), f"crystal_loss {name}: expected {want}, got {got.item()}"


def _synthetic_crystals_in_numpy(n, seed, noise=0.01):
    """The recipe of synthetic_crystals' docstring with one NumPy generator, drawn in the documented order;
    cells written out (orthogonal: diag(a, b, c); monoclinic: c = (c cos beta, 0, c sin beta)), rotated to the
    lower-triangular form by NumPy's Cholesky factor of the metric L L^T."""
    rng = np.random.default_rng(seed)
    family = rng.integers(0, 4, n)
    bases = {0: [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]],
             1: [[0, 0, 0], [0.5, 0.5, 0.25], [0, 0, 0.5], [0.5, 0.5, 0.75]],
             2: [[0, 0, 0], [0, 0.5, 0], [0, 0, 0.5], [0, 0.5, 0.5]],
             3: [[0, 0, 0], [0.5, 0.5, 0], [0, 0.5, 0.5], [0.5, 0, 0.5]]}
    lattices, fracs = [], []
    for fam in family:
        if fam == 0:
            cell = np.diag([rng.uniform(3.4, 4.2)] * 3)
        elif fam == 1:
            a = rng.uniform(2.8, 3.4)
            cell = np.diag([a, a, 2 * a])
        elif fam == 2:
            cell = np.diag([rng.uniform(2.4, 3.0), rng.uniform(4.6, 6.0), rng.uniform(4.6, 6.0)])
        else:
            a, b, c = rng.uniform(3.6, 4.6, 3)
            beta = np.radians(rng.uniform(100, 115))
            cell = np.array([[a, 0, 0], [0, b, 0], [c * np.cos(beta), 0, c * np.sin(beta)]])
        lat = cell @ (np.eye(3) + rng.uniform(-0.02, 0.02, (3, 3)))
        lattices.append(np.linalg.cholesky(lat @ lat.T))
        fracs.append(np.mod(np.array(bases[fam]) + noise * rng.normal(size=(4, 3)), 1.0))
    return np.array(lattices), np.array(fracs), family


def test_synthetic_crystals_follow_the_documented_recipe_draw_by_draw():
    for kwargs in ({"n": 60}, {"n": 40, "seed": 9, "noise": 0.05}):
        got = crystal.synthetic_crystals(**kwargs)
        lat, frac, family = _synthetic_crystals_in_numpy(kwargs["n"], kwargs.get("seed", 0), kwargs.get("noise", 0.01))
        assert got["family"].tolist() == family.tolist(), f"synthetic_crystals({kwargs}) families"
        assert set(family.tolist()) == {0, 1, 2, 3}
        np.testing.assert_allclose(got["lattice"].numpy(), lat, rtol=1e-6, atol=1e-6,
                                   err_msg=f"synthetic_crystals({kwargs}) lattices")
        np.testing.assert_allclose(got["frac"].numpy(), frac, atol=1e-6, err_msg=f"synthetic_crystals({kwargs}) frac")
    assert len(crystal.synthetic_crystals(1)["frac"]) == 1
    with pytest.raises(ValueError, match="n must be positive"):
        crystal.synthetic_crystals(0)


# ------------------------------------------------------------------ issue #20: LLL reduction before the 27-image search
def gram_schmidt_rows(basis):
    """(b*, mu) of the rows, written out: b*_i = b_i - sum_{j<i} mu_ij b*_j, mu_ij = b_i . b*_j / |b*_j|^2."""
    ortho, mu = [], np.zeros((3, 3))
    for i in range(3):
        v = np.array(basis[i], dtype=float)
        for j in range(i):
            mu[i, j] = np.dot(basis[i], ortho[j]) / np.dot(ortho[j], ortho[j])
            v = v - mu[i, j] * ortho[j]
        ortho.append(v)
    return np.array(ortho), mu


def int_det(u):
    """det of a 3 x 3 integer matrix in exact Python integers (cofactors along the first row)."""
    (a, b, c), (d, e, f), (g, h, i) = [[int(x) for x in row] for row in u]
    return a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)


def sheared_cells(n, seed):
    """Decoder-like cells in float64: lattice_from_raw of 10 * N(0, 1) raw outputs (shears up to ~30 axis lengths)."""
    g = torch.Generator().manual_seed(seed)
    return crystal.lattice_from_raw(10 * torch.randn(n, 6, generator=g, dtype=torch.float64))


def test_lll_reduce_by_hand_on_a_sheared_cell():
    """b1 = a = (1, 0, 0), b2 = 3.9 a + 0.3 y, b3 = 5 z, worked by hand: b2 - 4 b1 = (-0.1, 0.3, 0) fails Lovasz
    (0.09 < 0.74) and is swapped to the front; the old b1 is size-reduced against it, b1 - (-1) b2' = (0.9, 0.3, 0);
    the rows of U are then (-4, 1, 0), (-3, 1, 0), (0, 0, 1) with det -1, so all three are negated (det +1)."""
    lattice = torch.tensor([[[1.0, 0, 0], [3.9, 0.3, 0], [0, 0, 5.0]]], dtype=torch.float64)
    reduced, u = crystal.lll_reduce(lattice)
    assert u.dtype == torch.int64 and u.tolist() == [[[4, -1, 0], [3, -1, 0], [0, 0, -1]]], u.tolist()
    np.testing.assert_allclose(reduced[0].numpy(), [[0.1, -0.3, 0], [-0.9, -0.3, 0], [0, 0, -5.0]], atol=1e-12,
                               err_msg="lll_reduce: the reduced rows")
    assert reduced.dtype == torch.float64


def test_lll_reduce_keeps_a_basis_on_both_boundaries_of_the_conditions():
    """b1 = (2, 0, 0), b2 = (1, 1, 1), b3 = (0, -1, 1), exact in binary: mu_21 = 2/4 = 1/2 (the size bound) and
    |b*_2|^2 = |(0, 1, 1)|^2 = 2 = (3/4 - 1/4) * 4 (the Lovasz bound, with equality); b3 is orthogonal to both. The
    conditions are <= and >=, so the basis is already reduced: U = identity."""
    basis = torch.tensor([[[2.0, 0, 0], [1.0, 1.0, 1.0], [0, -1.0, 1.0]]], dtype=torch.float64)
    reduced, u = crystal.lll_reduce(basis)
    assert u.tolist() == [np.eye(3, dtype=int).tolist()], u.tolist()
    assert torch.equal(reduced, basis)


def test_lll_reduce_spans_the_same_lattice_and_meets_the_size_and_lovasz_conditions():
    """On 300 heavily sheared cells and 50 training cells: U is an integer matrix with det U = +1 (so U^-1 is integer
    too and U L spans the lattice of L, with its handedness), reduced = U L, and the reduced rows pass the LLL tests
    |mu_ij| <= 1/2 and |b*_k|^2 >= (3/4 - mu_k,k-1^2) |b*_k-1|^2 from the Gram-Schmidt written above."""
    cells = torch.cat([sheared_cells(300, seed=0), crystal.synthetic_crystals(50, seed=3)["lattice"].double()])
    reduced, u = crystal.lll_reduce(cells)
    assert u.dtype == torch.int64 and reduced.shape == u.shape == (350, 3, 3)
    assert all(int_det(m) == 1 for m in u.numpy()), "lll_reduce: U must be unimodular with det +1"
    np.testing.assert_allclose(reduced.numpy(), u.numpy() @ cells.numpy(), rtol=1e-12, atol=1e-9)
    for k, basis in enumerate(reduced.numpy()):
        ortho, mu = gram_schmidt_rows(basis)
        assert np.abs(mu).max() <= 0.5 + 1e-9, (k, mu)
        norms = (ortho ** 2).sum(1)
        for i in (1, 2):
            assert norms[i] >= (0.75 - mu[i, i - 1] ** 2) * norms[i - 1] * (1 - 1e-9), (k, i, norms, mu)
    assert (np.abs(u.numpy()).max((1, 2)) > 1).mean() > 0.5, "most sheared cells need a real reduction"
    out, u32 = crystal.lll_reduce(cells[:4].float())
    assert out.dtype == torch.float32 and u32.tolist() == u[:4].tolist()


@pytest.mark.parametrize("lattice, message", [
    (torch.zeros(2, 3), "^lattice must have shape "),
    (torch.tensor([[[1.0, 0, 0], [0, 1.0, 0], [1.0, 1.0, 0]]]), "non-singular finite lattices: lattice 0 has volume 0"),
    (torch.stack([torch.eye(3), torch.diag(torch.tensor([2.0, 1.0, float("nan")]))]), "lattice 1 has volume nan"),
    (torch.stack([torch.eye(3), torch.tensor([[1.0, 0, 0], [1.0, 0, 0], [0, 0, 1.0]])]), "lattice 1 has volume 0"),
    (torch.tensor([[[0.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]]]), "lattice 0 has volume 0"),  # a zero vector
    # long vectors, nearly coplanar: volume 1e-9 is 1e-12 of the product of the lengths (10, 10, 10)
    (torch.tensor([[[10.0, 0, 0], [0, 10.0, 0], [10.0, 0, 1e-11]]], dtype=torch.float64), "lattice 0 has volume 1e-09"),
])
def test_lll_reduce_refuses_flat_and_badly_shaped_lattices(lattice, message):
    with pytest.raises(ValueError, match=message):
        crystal.lll_reduce(lattice)


def brute_min_distance_in_bounds(basis, frac, upper):
    """Exact shortest interatomic distance of the crystal (basis rows, frac (N, 3)) given an upper bound: a lattice
    vector v = c B with |v| <= upper has |c_i| <= upper |(B^-1)[:, i]|, so after wrapping the fractional difference
    into [-0.5, 0.5] every shift that can matter satisfies |n_i| <= upper |(B^-1)[:, i]| + 0.5."""
    reach = np.floor(upper * np.linalg.norm(np.linalg.inv(basis), axis=0) + 0.5 + 1e-9).astype(int)
    shifts = np.array(list(itertools.product(*[range(-r, r + 1) for r in reach])), dtype=float)
    best = np.inf
    for p, q in itertools.product(range(len(frac)), repeat=2):
        d = frac[p] - frac[q]
        d = d - np.round(d)
        sh = shifts if p != q else shifts[np.abs(shifts).sum(1) > 0]
        if len(sh):  # no nonzero shift in reach: no self-image is within the bound
            best = min(best, np.sqrt((((d + sh) @ basis) ** 2).sum(1)).min())
    return best


def test_after_lll_the_27_images_equal_a_brute_force_where_they_failed_before():
    """On 200 heavily sheared decoder-like cells the 27-image search on the cell as decoded overestimates the
    shortest interatomic distance for about half; on the LLL-reduced cell (reduce=True) it equals a brute force whose
    reach is large enough by the bound in brute_min_distance_in_bounds, searched in the reduced basis, which spans
    the same lattice (the test above). (In the cells as decoded the same search would need hundreds of cells of
    reach: entries of U reach 242.)"""
    cells = sheared_cells(200, seed=1)
    frac = torch.rand(200, 3, 3, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    before = crystal.min_interatomic_distance(cells, frac).numpy()
    after = crystal.min_interatomic_distance(cells, frac, reduce=True).numpy()
    reduced, u = crystal.lll_reduce(cells)
    frac_reduced = frac.numpy() @ np.linalg.inv(u.numpy())
    exact = np.array([brute_min_distance_in_bounds(reduced[i].numpy(), frac_reduced[i], before[i]) for i in range(200)])
    np.testing.assert_allclose(after, exact, rtol=1e-9, err_msg="27 images in the LLL-reduced cell vs brute force")
    assert (before > exact + 1e-9).mean() > 0.2, "the cells as decoded should defeat the 27-image search often"


def test_reduce_finds_the_short_vector_of_the_hand_sheared_cell_that_27_images_miss():
    """The cell b = 3.9 a + 0.3 y of test_a_wider_reach_...: as given, 27 images return |a| = 1; after reduction they
    return |b - 4a| = sqrt(0.1^2 + 0.3^2), the distance that needed reach 4 before; the default stays as it was."""
    lattice = torch.tensor([[[1.0, 0, 0], [3.9, 0.3, 0], [0, 0, 5.0]]], dtype=torch.float64)
    frac = torch.tensor([[[0.1, 0.2, 0.3], [0.6, 0.7, 0.8]]], dtype=torch.float64)
    brute = crystal.min_interatomic_distance(lattice, frac, reach=6).item()
    assert crystal.min_interatomic_distance(lattice, frac, reduce=True).item() == pytest.approx(brute, abs=1e-12)
    assert brute == pytest.approx(np.hypot(0.1, 0.3), abs=1e-12)
    assert crystal.min_interatomic_distance(lattice, frac).item() == pytest.approx(1.0, abs=1e-12)
