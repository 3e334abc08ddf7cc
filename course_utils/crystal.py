"""A crystal VAE: periodic structures with a lattice that is valid by construction (lab 09).

A crystal is a unit cell repeated forever: a lattice L (3 x 3, **rows** are the lattice vectors
a1, a2, a3, in angstrom) and N atoms at fractional coordinates f in [0, 1)^3, with Cartesian
positions r = f L. Any lattice can be rotated so that L is lower triangular,

    L = [[L00, 0, 0], [L10, L11, 0], [L20, L21, L22]],   det L = L00 L11 L22,

so a decoder that outputs a positive diagonal (softplus plus a minimum length) can only produce
right-handed cells of positive volume. Because f and f + n (n integer) are the same atom, errors
in f are measured with the **minimum image**: the shortest Cartesian vector (f_a - f_b + n) L over
integer n. Rounding each component of f_a - f_b to the nearest integer finds it reliably only for
orthogonal cells; for a skewed cell the 27 shifts n in {-1, 0, 1}^3 are searched (after wrapping
the difference into [-0.5, 0.5)). The search returns an upper bound, and it is exact when the nearest
image lies within one cell of the wrapped difference. On a cell sheared far from reduced it can miss
that image (tests/test_crystal.py shows one); after LLL reduction (:func:`lll_reduce`: short, nearly
orthogonal vectors) it found the brute-force minimum on every cell the tests and lab 09 measure. That
is a measurement, not a theorem: LLL bounds the shear of a cell without promising the 27 images.

Shapes: lattices (B, 3, 3); fractional coordinates (B, N, 3); raw lattice outputs (B, 6) in the
order (L00, L11, L22, L10, L20, L21).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from course_utils.vae import check_shape, kl_divergence, mlp, reparameterize

N_ATOMS = 4
MIN_LENGTH = 1.0  # angstrom: the smallest diagonal entry a decoded lattice can have
LLL_DELTA = 0.75  # the Lovasz constant of lll_reduce
SHIFTS = torch.tensor(list(itertools.product([-1, 0, 1], repeat=3)), dtype=torch.float32)  # (27, 3)
FAMILIES = ("fcc", "bcc", "orthorhombic", "monoclinic")


# --------------------------------------------------------------------------- lattices
def lattice_from_raw(raw: torch.Tensor, min_length: float = MIN_LENGTH) -> torch.Tensor:
    """Lower-triangular lattices (B, 3, 3) from unconstrained decoder outputs (B, 6).

    raw[:, :3] -> diagonal = softplus(raw) + min_length (so det > 0 and no axis shorter than
    min_length); raw[:, 3:] -> the off-diagonal entries (L10, L20, L21) unchanged.
    """
    check_shape("raw lattice", raw, (None, 6))
    diag = F.softplus(raw[:, :3]) + min_length
    lat = torch.zeros(raw.shape[0], 3, 3, dtype=raw.dtype, device=raw.device)
    lat[:, [0, 1, 2], [0, 1, 2]] = diag
    lat[:, [1, 2, 2], [0, 0, 1]] = raw[:, 3:]
    return lat


def lower_triangular(lattice: torch.Tensor) -> torch.Tensor:
    """The same lattice (same lengths and angles) rotated into lower-triangular form with a positive
    diagonal: the Cholesky factor of the metric tensor G = L L^T. Input (B, 3, 3) of positive volume."""
    check_shape("lattice", lattice, (None, 3, 3))
    if (torch.linalg.det(lattice) <= 0).any():
        raise ValueError("every lattice needs a positive determinant (right-handed, non-zero volume)")
    return torch.linalg.cholesky(lattice @ lattice.transpose(1, 2))


def lattice_parameters(lattice: torch.Tensor) -> torch.Tensor:
    """(a, b, c, alpha, beta, gamma) per lattice (B, 6): lengths in angstrom, angles in degrees."""
    check_shape("lattice", lattice, (None, 3, 3))
    a, b, c = lattice[:, 0], lattice[:, 1], lattice[:, 2]

    def angle(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        cos = (u * v).sum(1) / (u.norm(dim=1) * v.norm(dim=1))
        return torch.rad2deg(torch.arccos(cos.clamp(-1, 1)))

    return torch.stack([a.norm(dim=1), b.norm(dim=1), c.norm(dim=1), angle(b, c), angle(a, c), angle(a, b)], 1)


# --------------------------------------------------------------------------- distances
def min_image_sq_distance(frac_a: torch.Tensor, frac_b: torch.Tensor, lattice: torch.Tensor) -> torch.Tensor:
    """Squared minimum-image distance (B, N) in angstrom^2 between atoms frac_a and frac_b (B, N, 3).

    The fractional difference is wrapped into [-0.5, 0.5) and the 27 shifts in {-1, 0, 1}^3 are
    searched, so the result is invariant to adding integers to either input. It is exact for reduced
    cells (short, nearly orthogonal vectors); for a strongly sheared cell it is an upper bound.
    """
    check_shape("frac_a", frac_a, (None, None, 3))
    check_shape("frac_b", frac_b, tuple(frac_a.shape))
    check_shape("lattice", lattice, (frac_a.shape[0], 3, 3))
    diff = frac_a - frac_b
    diff = diff - torch.round(diff)
    images = diff[:, :, None, :] + SHIFTS.to(diff)[None, None]  # (B, N, 27, 3)
    cart = images @ lattice[:, None]  # (B, N, 27, 3)
    return (cart ** 2).sum(-1).min(-1).values


def periodic_loss(pred_lattice: torch.Tensor, pred_frac: torch.Tensor, true_lattice: torch.Tensor,
                  true_frac: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(coordinate loss, lattice loss), batch means, in angstrom^2.

    coordinate loss: sum over atoms of the squared minimum-image distance between predicted and true
    fractional positions, measured with the **true** lattice (so it is in true-cell angstroms and
    does not mix with lattice errors); lattice loss: sum of squared differences of the 9 entries.
    """
    check_shape("pred_lattice", pred_lattice, tuple(true_lattice.shape))
    coords = min_image_sq_distance(pred_frac, true_frac, true_lattice).sum(1).mean()
    lat = ((pred_lattice - true_lattice) ** 2).sum((1, 2)).mean()
    return coords, lat


def _gram_schmidt(basis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gram-Schmidt of the rows b_i (3, 3): orthogonal rows b*_i and mu_ij = b_i . b*_j / |b*_j|^2 (j < i)."""
    ortho, mu = basis.copy(), np.zeros((3, 3))
    for i in range(3):
        for j in range(i):
            mu[i, j] = basis[i] @ ortho[j] / (ortho[j] @ ortho[j])
            ortho[i] -= mu[i, j] * ortho[j]
    return ortho, mu


def _lll_one(basis: np.ndarray) -> np.ndarray:
    """The integer matrix U (3, 3), det U = +1, that makes U @ basis LLL-reduced (rows, delta = LLL_DELTA)."""
    b, u, k = basis.copy(), np.eye(3, dtype=np.int64), 1
    while k < 3:
        for j in range(k - 1, -1, -1):  # size reduction: |mu_kj| <= 1/2
            q = round(_gram_schmidt(b)[1][k, j])
            b[k], u[k] = b[k] - q * b[j], u[k] - q * u[j]
        ortho, mu = _gram_schmidt(b)
        if ortho[k] @ ortho[k] >= (LLL_DELTA - mu[k, k - 1] ** 2) * (ortho[k - 1] @ ortho[k - 1]):  # Lovasz
            k += 1
        else:
            b[[k - 1, k]], u[[k - 1, k]] = b[[k, k - 1]], u[[k, k - 1]]
            k = max(k - 1, 1)
    # -U has det -det U (3 x 3) and leaves every mu_ij and |b*_i| as they were: keep the cell's handedness
    return u if round(np.linalg.det(u)) == 1 else -u


def lll_reduce(lattice: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """LLL-reduced lattices (Lenstra et al., 1982) with delta = 3/4, on the rows: (reduced (B, 3, 3), U (B, 3, 3)).

    U is an integer matrix with det U = +1 (int64) and reduced = U @ lattice: the same lattice (and the same
    handedness) with short, nearly orthogonal vectors; fractional coordinates in the reduced cell are f U^-1.
    With b*_i the Gram-Schmidt vectors of the reduced rows b_i and mu_ij = b_i . b*_j / |b*_j|^2, every
    |mu_ij| <= 1/2 (size) and |b*_k|^2 >= (3/4 - mu_k,k-1^2) |b*_k-1|^2 (Lovasz). Computed cell by cell in
    float64 on the CPU; the results come back on the lattice's device, reduced in its dtype.
    """
    check_shape("lattice", lattice, (None, 3, 3))
    cells = lattice.detach().cpu().double().numpy()
    volume = np.abs(np.linalg.det(cells))
    flat = ~(volume > 1e-10 * np.linalg.norm(cells, axis=2).prod(1))  # also catches NaN and inf
    if flat.any():
        i = int(np.flatnonzero(flat)[0])
        raise ValueError(f"lll_reduce needs non-singular finite lattices: lattice {i} has volume {volume[i]:.3g} "
                         f"(coplanar or zero vectors, or not finite); {cells[i].tolist()}")
    unimodular = torch.tensor(np.array([_lll_one(c) for c in cells]), device=lattice.device)
    return unimodular.to(lattice.dtype) @ lattice, unimodular


def min_interatomic_distance(lattice: torch.Tensor, frac: torch.Tensor, reach: int = 1, reduce: bool = False
                             ) -> torch.Tensor:
    """Shortest distance (B,) between any two atoms of the infinite crystal (periodic images included).

    Over all pairs i != j with the minimum image, and each atom to its own images (the shortest
    lattice vector), searched over the 27 shifts. frac (B, N, 3), lattice (B, 3, 3).
    ``reach`` > 1 searches the (2 reach + 1)^3 shifts -reach..reach along each axis instead (a brute
    force that checks whether 27 images were enough for a strongly sheared cell). ``reduce=True``
    searches in the LLL-reduced cell U L (:func:`lll_reduce`) with coordinates f U^-1: the same crystal,
    so only which images the search reaches changes.
    """
    check_shape("frac", frac, (None, None, 3))
    check_shape("lattice", lattice, (frac.shape[0], 3, 3))
    if reach < 1:
        raise ValueError(f"reach must be >= 1 (1: the 27 shifts), got {reach}")
    if reduce:
        lattice, unimodular = lll_reduce(lattice)
        frac = frac @ torch.linalg.inv(unimodular.to(frac.dtype))  # r = f L = (f U^-1)(U L)
    shifts = SHIFTS if reach == 1 else torch.tensor(
        list(itertools.product(range(-reach, reach + 1), repeat=3)), dtype=torch.float32)
    b, n, _ = frac.shape
    diff = frac[:, :, None, :] - frac[:, None, :, :]  # (B, N, N, 3)
    diff = diff - torch.round(diff)
    images = diff[:, :, :, None, :] + shifts.to(diff)[None, None, None]  # (B, N, N, S, 3), S shifts
    dist = ((images @ lattice[:, None, None]) ** 2).sum(-1).sqrt()  # (B, N, N, S)
    # an atom against itself without a shift (two distinct atoms at one spot must still count as 0)
    same_atom = torch.eye(n, dtype=torch.bool, device=frac.device)[None, :, :, None]
    no_shift = (shifts == 0).all(-1).to(frac.device)[None, None, None, :]
    dist = dist.masked_fill(same_atom & no_shift, float("inf"))
    return dist.reshape(b, -1).min(1).values


# --------------------------------------------------------------------------- data
_BASES = {
    "fcc": [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]],
    "bcc": [[0, 0, 0], [0.5, 0.5, 0.25], [0, 0, 0.5], [0.5, 0.5, 0.75]],  # two bcc cells stacked along c
    "orthorhombic": [[0, 0, 0], [0, 0.5, 0], [0, 0, 0.5], [0, 0.5, 0.5]],  # a 1 x 2 x 2 supercell
    "monoclinic": [[0, 0, 0], [0.5, 0.5, 0], [0, 0.5, 0.5], [0.5, 0, 0.5]],
}


def _cell(a: float, b: float, c: float, alpha: float, beta: float, gamma: float) -> np.ndarray:
    """Lattice (rows) from lengths and angles (degrees), in the standard orientation (a1 along x)."""
    al, be, ga = np.deg2rad([alpha, beta, gamma])
    a1 = [a, 0.0, 0.0]
    a2 = [b * np.cos(ga), b * np.sin(ga), 0.0]
    cx = c * np.cos(be)
    cy = c * (np.cos(al) - np.cos(be) * np.cos(ga)) / np.sin(ga)
    return np.array([a1, a2, [cx, cy, np.sqrt(c ** 2 - cx ** 2 - cy ** 2)]])


def synthetic_crystals(n: int, seed: int = 0, noise: float = 0.01) -> dict[str, torch.Tensor]:
    """``n`` synthetic crystals of 4 atoms in four families, seeded (one NumPy generator).

    fcc (cubic, a ~ U(3.4, 4.2)); bcc stacked twice along c (a ~ U(2.8, 3.4), c = 2a);
    orthorhombic (a ~ U(2.4, 3.0), b, c ~ U(4.6, 6.0)); monoclinic (a, b, c ~ U(3.6, 4.6),
    beta ~ U(100, 115) degrees). Lattices get a +-2% random strain; fractional coordinates get
    N(0, noise^2) jitter and are wrapped into [0, 1).

    Returns ``lattice`` (n, 3, 3) lower triangular, ``frac`` (n, 4, 3), ``family`` (n,) int64
    indexing :data:`FAMILIES`; all float32 except family.
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    rng = np.random.default_rng(seed)
    family = rng.integers(0, len(FAMILIES), n)
    lattices, fracs = np.empty((n, 3, 3)), np.empty((n, N_ATOMS, 3))
    for i, fam in enumerate(family):
        name = FAMILIES[fam]
        if name == "fcc":
            a = rng.uniform(3.4, 4.2)
            params = (a, a, a, 90, 90, 90)
        elif name == "bcc":
            a = rng.uniform(2.8, 3.4)
            params = (a, a, 2 * a, 90, 90, 90)
        elif name == "orthorhombic":
            params = (rng.uniform(2.4, 3.0), rng.uniform(4.6, 6.0), rng.uniform(4.6, 6.0), 90, 90, 90)
        else:
            params = (*rng.uniform(3.6, 4.6, 3), 90, rng.uniform(100, 115), 90)
        lat = _cell(*params) @ (np.eye(3) + rng.uniform(-0.02, 0.02, (3, 3)))
        lattices[i] = lat
        fracs[i] = np.mod(np.array(_BASES[name]) + noise * rng.normal(size=(N_ATOMS, 3)), 1.0)
    lower = lower_triangular(torch.tensor(lattices))  # rotated to the standard form, same lengths and angles
    return {"lattice": lower.float(), "frac": torch.tensor(fracs, dtype=torch.float32),
            "family": torch.tensor(family)}


def features(lattice: torch.Tensor, frac: torch.Tensor) -> torch.Tensor:
    """Encoder input (B, 6 + 6 N): the 6 lower-triangular lattice entries, then sin and cos of 2 pi f
    (periodic: an atom at 0.99 and one at -0.01 look the same)."""
    check_shape("lattice", lattice, (None, 3, 3))
    check_shape("frac", frac, (lattice.shape[0], None, 3))
    tri = lattice[:, [0, 1, 2, 1, 2, 2], [0, 1, 2, 0, 0, 1]]
    angle = 2 * math.pi * frac.reshape(len(frac), -1)
    return torch.cat([tri, torch.sin(angle), torch.cos(angle)], 1)


# --------------------------------------------------------------------------- model
class CrystalVAE(nn.Module):
    """Encoder MLP on :func:`features` -> (mu, logvar); decoder MLP z -> raw lattice (6) and raw
    fractional coordinates (N * 3); ``decode`` turns them into a valid lattice and f in [0, 1)."""

    def __init__(self, n_atoms: int = N_ATOMS, latent_dim: int = 8, hidden: int = 128) -> None:
        super().__init__()
        self.n_atoms, self.latent_dim = n_atoms, latent_dim
        self.encoder = mlp([6 + 6 * n_atoms, hidden, hidden], final_activation=True)
        self.mu = nn.Linear(hidden, latent_dim)
        self.logvar = nn.Linear(hidden, latent_dim)
        self.decoder = mlp([latent_dim, hidden, hidden, 6 + 3 * n_atoms])

    def encode(self, lattice: torch.Tensor, frac: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(features(lattice, frac))
        return self.mu(h), self.logvar(h)

    def decode_raw(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Unconstrained outputs: raw lattice (B, 6) and raw fractional coordinates (B, N, 3)."""
        check_shape("z", z, (None, self.latent_dim))
        out = self.decoder(z)
        return out[:, :6], out[:, 6:].reshape(-1, self.n_atoms, 3)

    def decode(self, z: torch.Tensor, lattice_fn=lattice_from_raw) -> tuple[torch.Tensor, torch.Tensor]:
        """(lattice (B, 3, 3) from ``lattice_fn``, fractional coordinates wrapped into [0, 1))."""
        raw_lattice, raw_frac = self.decode_raw(z)
        return lattice_fn(raw_lattice), torch.remainder(raw_frac, 1.0)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Decode ``n`` prior draws: (lattices (n, 3, 3), fractional coordinates (n, N, 3))."""
        z = torch.randn(n, self.latent_dim, generator=generator).to(next(self.parameters()).device)
        return self.decode(z)


def crystal_loss(model: CrystalVAE, batch: tuple[torch.Tensor, torch.Tensor], beta: float = 1.0
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, reconstruction, kl), batch means: reconstruction = coordinate + lattice loss (angstrom^2)."""
    lattice, frac = batch[0], batch[1]
    mu, logvar = model.encode(lattice, frac)
    pred_lattice, pred_frac = model.decode(reparameterize(mu, logvar))
    coords, lat = periodic_loss(pred_lattice, pred_frac, lattice, frac)
    kl = kl_divergence(mu, logvar, reduction="mean")
    return coords + lat + beta * kl, coords + lat, kl


def evaluate_crystals(seed: int = 0, epochs: int = 40, n_train: int = 4000, min_distance: float = 1.5
                      ) -> dict[str, float]:
    """Train a CrystalVAE on synthetic crystals and check what it generates.

    positive_volume_rate: det L > 0 over 10^4 decoded prior samples (and over 10^4 random raw
    outputs); min_distance_ok_rate: fraction of 1,000 generated crystals whose shortest interatomic
    distance is >= ``min_distance`` angstrom (training data: see ``train_min_distance``).
    """
    from course_utils import data, training

    train = synthetic_crystals(n_train, seed=seed)
    training.seed_everything(seed)
    model = CrystalVAE()
    history = training.train(model, data.make_loader(train["lattice"], train["frac"], batch_size=64), crystal_loss,
                             epochs=epochs, lr=1e-3, beta=0.1, progress=False)
    model.cpu()  # trained on the course device (a GPU if present); analysed on the CPU
    g = torch.Generator().manual_seed(seed)
    lat, frac = model.sample(10_000, generator=g)
    random_raw = lattice_from_raw(10 * torch.randn(10_000, 6, generator=g))
    test = synthetic_crystals(1000, seed=seed + 1)
    with torch.no_grad():
        mu, _ = model.encode(test["lattice"], test["frac"])
        rec_lat, rec_frac = model.decode(mu)
    rms = min_image_sq_distance(rec_frac, test["frac"], test["lattice"]).mean().sqrt()
    return {"positive_volume_rate": float((torch.linalg.det(lat.double()) > 0).double().mean()),
            "random_raw_positive_volume_rate": float((torch.linalg.det(random_raw.double()) > 0).double().mean()),
            "min_distance_ok_rate": float((min_interatomic_distance(lat[:1000], frac[:1000]) >= min_distance)
                                          .double().mean()),
            "train_min_distance": float(min_interatomic_distance(train["lattice"], train["frac"]).min()),
            "test_rms_position_error": float(rms), "final_loss": history.loss[-1], "seconds": history.seconds}
