"""Lab 09 (crystal VAE): what the classic mistakes compute.

Shapes: ``raw``: (B, 6) raw lattice outputs (u0, u1, u2, L10, L20, L21); lattices: (B, 3, 3), **rows**
are the lattice vectors; fractional coordinates: (B, N, 3). Each function takes the inputs of the
graded function it shadows and returns ``{explanation: what that mistake computes}``.
"""

from __future__ import annotations

import itertools

import torch
from torch.nn import functional as F

Catalogue = dict[str, torch.Tensor]

_SHIFTS = torch.tensor(list(itertools.product([-1, 0, 1], repeat=3)), dtype=torch.float64)  # (27, 3)
_FACE_SHIFTS = _SHIFTS[_SHIFTS.abs().sum(1) <= 1]  # (7, 3): no shift and the 6 face neighbours

# --------------------------------------------------------------------------- lattice_from_raw
LATTICE_NO_SOFTPLUS = ("the diagonal is raw + min_length without the softplus: a negative raw value gives a "
                       "negative diagonal and det <= 0; use F.softplus(raw[:, :3]) + min_length")
LATTICE_EXP = ("the diagonal uses exp(raw) where the softplus goes: exp is positive too, but it explodes for "
               "large raw values; use F.softplus(raw[:, :3]) + min_length")
LATTICE_NO_MIN_LENGTH = "min_length is missing from the diagonal: L_ii = softplus(u_i) + min_length"
LATTICE_MIN_LENGTH_IGNORED = ("the min_length argument is ignored (a fixed 1.0 is added): add the min_length "
                              "that was passed in")
LATTICE_UPPER = ("the off-diagonal entries are above the diagonal (upper triangular, L01, L02, L12): the lattice "
                 "is lower triangular, (L10, L20, L21) go below it")
LATTICE_SOFTPLUS_OFFDIAG = ("the softplus is applied to the off-diagonal entries too: only the diagonal "
                            "(raw[:, :3]) needs to be positive, (L10, L20, L21) = raw[:, 3:] unchanged")
LATTICE_IN_PLACE = ("your function wrote into raw in place (raw[...] = ...): build a new tensor and leave the "
                    "decoder's output untouched (an in-place write also breaks the backward pass)")
LATTICE_DTYPE = ("a float64 raw did not give a float64 lattice: create new tensors with the dtype AND device "
                 "of raw, torch.zeros(..., dtype=raw.dtype, device=raw.device) (without device= the same "
                 "answer fails on a GPU)")
LATTICE_NO_GRAD = ("no gradient reached raw: the lattice was built outside autograd (.detach(), .numpy(), "
                   ".item() or torch.tensor(...) of the values); build it from raw with torch operations")


def _lower(diag: torch.Tensor, off: torch.Tensor, upper: bool = False) -> torch.Tensor:
    lat = torch.zeros(diag.shape[0], 3, 3, dtype=diag.dtype)
    lat[:, [0, 1, 2], [0, 1, 2]] = diag
    rows, cols = ([0, 0, 1], [1, 2, 2]) if upper else ([1, 2, 2], [0, 0, 1])
    lat[:, rows, cols] = off
    return lat


def lattice_from_raw(raw: torch.Tensor, min_length: float = 1.0) -> Catalogue:
    """The lattices (B, 3, 3) each mistake builds from ``raw`` (B, 6)."""
    raw = raw.detach().double()
    u, off = raw[:, :3], raw[:, 3:]
    out = {
        LATTICE_NO_SOFTPLUS: _lower(u + min_length, off),
        LATTICE_EXP: _lower(torch.exp(u) + min_length, off),
        LATTICE_NO_MIN_LENGTH: _lower(F.softplus(u), off),
        LATTICE_UPPER: _lower(F.softplus(u) + min_length, off, upper=True),
        LATTICE_SOFTPLUS_OFFDIAG: _lower(F.softplus(u) + min_length, F.softplus(off)),
    }
    if min_length != 1.0:
        out[LATTICE_MIN_LENGTH_IGNORED] = _lower(F.softplus(u) + 1.0, off)
    return out


# --------------------------------------------------------------------------- min_image_sq_distance
IMAGE_ROUND_ONLY = ("you wrapped the difference with round() and stopped: that is the minimum image only for "
                    "rectangular cells; in a skewed cell search the 27 shifts n in {-1, 0, 1}^3 after wrapping "
                    "and keep the smallest distance")
IMAGE_NO_WRAP = ("the difference is not wrapped before the search: for atoms more than a cell apart (f + n, "
                 "n integer) the 27 shifts do not reach the nearest image; subtract torch.round(diff) first")
IMAGE_FACE_SHIFTS = ("you searched only the 6 face neighbours (a shift of +-1 along one axis): the 27 shifts "
                     "include the edge and corner images, all of {-1, 0, 1}^3")
IMAGE_TRANSPOSED = ("you multiplied by the transposed lattice (lattice vectors as columns): the rows of L are "
                    "the lattice vectors, r = f @ L")
IMAGE_SQRT = "you returned the distance; the function returns the squared distance (no sqrt)"
IMAGE_NO_LATTICE = ("the distance is in fractional units: multiply the (wrapped, shifted) fractional difference "
                    "by the lattice to get Cartesian vectors in angstrom")
IMAGE_BROADCAST = ("the lattice was not indexed per crystal: (B, N, 27, 3) @ lattice (B, 3, 3) pairs the "
                   "lattices with the atom axis; use lattice[:, None] so that it broadcasts as (B, 1, 3, 3)")


def _wrapped(frac_a: torch.Tensor, frac_b: torch.Tensor) -> torch.Tensor:
    diff = frac_a.detach().double() - frac_b.detach().double()
    return diff - torch.round(diff)


def _search(diff: torch.Tensor, lattice: torch.Tensor, shifts: torch.Tensor = _SHIFTS) -> torch.Tensor:
    """min over the shifts of |(diff + n) L|^2: diff (B, N, 3), lattice (B, 3, 3) -> (B, N)."""
    cart = (diff[:, :, None, :] + shifts) @ lattice.detach().double()[:, None]
    return (cart ** 2).sum(-1).min(-1).values


def min_image_sq_distance(frac_a: torch.Tensor, frac_b: torch.Tensor, lattice: torch.Tensor) -> Catalogue:
    """The squared distances (B, N) each mistake returns."""
    lat = lattice.detach().double()
    wrapped = _wrapped(frac_a, frac_b)
    right = _search(wrapped, lat)
    out = {
        IMAGE_ROUND_ONLY: ((wrapped @ lat) ** 2).sum(-1),
        IMAGE_NO_WRAP: _search(frac_a.detach().double() - frac_b.detach().double(), lat),
        IMAGE_FACE_SHIFTS: _search(wrapped, lat, _FACE_SHIFTS),
        IMAGE_TRANSPOSED: _search(wrapped, lat.transpose(1, 2)),
        IMAGE_SQRT: right.sqrt(),
        IMAGE_NO_LATTICE: ((wrapped[:, :, None, :] + _SHIFTS) ** 2).sum(-1).min(-1).values,
    }
    b, n = wrapped.shape[:2]
    if b == n > 1:  # only then does the unindexed lattice broadcast (silently) against the atom axis
        cart = (wrapped[:, :, None, :] + _SHIFTS) @ lat  # (B, N, 27, 3) @ (B, 3, 3): lattice[n] for atom n
        out[IMAGE_BROADCAST] = (cart ** 2).sum(-1).min(-1).values
    return out


# --------------------------------------------------------------------------- periodic_loss
LOSS_NO_MIN_IMAGE = ("the coordinate loss compares the fractional coordinates directly ((pred - true) @ L): "
                     "an atom shifted by a whole cell is the same atom; use the minimum-image distance "
                     "(your min_image_sq_distance)")
LOSS_PRED_LATTICE = ("the coordinate loss is measured in the predicted lattice: measure it in the TRUE cell, "
                     "min_image_sq_distance(pred_frac, true_frac, true_lattice), so lattice errors do not leak in")
LOSS_MEAN_ATOMS = "the coordinate loss is averaged over atoms: sum it over atoms, then average over the batch"
LOSS_SUM_BATCH = "the losses are summed over the batch: average them over the crystals (.mean() over dim 0)"
LOSS_LATTICE_MEAN = ("the lattice loss averages the 9 entries (F.mse_loss does): sum the squared differences "
                     "over the 3 x 3 entries, then average over the batch")
LOSS_SWAPPED = "the two losses are returned in the wrong order: return (coordinate_loss, lattice_loss)"
LOSS_SQRT = ("the coordinate loss sums distances, not squared distances: both losses are in angstrom^2 "
             "(min_image_sq_distance, no sqrt)")


def periodic_loss(pred_lattice: torch.Tensor, pred_frac: torch.Tensor, true_lattice: torch.Tensor,
                  true_frac: torch.Tensor) -> Catalogue:
    """``torch.stack([coordinate_loss, lattice_loss])`` (2,) as each mistake computes it."""
    pl, tl = pred_lattice.detach().double(), true_lattice.detach().double()
    pf, tf = pred_frac.detach().double(), true_frac.detach().double()
    per_atom = _search(_wrapped(pf, tf), tl)  # (B, N), right
    per_entry = (pl - tl) ** 2
    coords, lat = per_atom.sum(1).mean(), per_entry.sum((1, 2)).mean()
    return {
        LOSS_NO_MIN_IMAGE: torch.stack([(((pf - tf) @ tl) ** 2).sum(-1).sum(1).mean(), lat]),
        LOSS_PRED_LATTICE: torch.stack([_search(_wrapped(pf, tf), pl).sum(1).mean(), lat]),
        LOSS_MEAN_ATOMS: torch.stack([per_atom.mean(1).mean(), lat]),
        LOSS_SUM_BATCH: torch.stack([per_atom.sum(), per_entry.sum()]),
        LOSS_LATTICE_MEAN: torch.stack([coords, per_entry.mean()]),
        LOSS_SWAPPED: torch.stack([lat, coords]),
        LOSS_SQRT: torch.stack([per_atom.sqrt().sum(1).mean(), lat]),
    }


# --------------------------------------------------------------------------- min_interatomic_distance
DISTANCE_NO_MASK = ("nothing is masked: every atom is at distance 0 from itself (same index, zero shift); set "
                    "exactly those entries to inf before the minimum")
DISTANCE_MASK_ALL_ZEROS = ("you masked every zero distance: two different atoms on one spot are at distance 0, "
                           "the worst case; mask only an atom paired with itself at zero shift")
DISTANCE_NO_SELF_IMAGES = ("each atom's distance to its own images is left out (you masked i == j for every "
                           "shift): a small cell can put an atom against its own copy; mask i == j only at "
                           "the zero shift")
DISTANCE_NO_SEARCH = ("there is no image search: round() alone is the minimum image only in rectangular cells; "
                      "try all 27 shifts in {-1, 0, 1}^3 after wrapping")
DISTANCE_SQUARED = "you returned the squared distance: take the sqrt (distances in angstrom)"
DISTANCE_TRANSPOSED = ("you multiplied by the transposed lattice (lattice vectors as columns): the rows of L "
                       "are the lattice vectors, r = f @ L")


def _pair_distances(lattice: torch.Tensor, frac: torch.Tensor, shifts: torch.Tensor = _SHIFTS
                    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Distances (B, N, N, S) over the shifts, and the masks 'same atom' (N, N) and 'zero shift' (S,)."""
    frac = frac.detach().double()
    diff = frac[:, :, None, :] - frac[:, None, :, :]
    diff = diff - torch.round(diff)
    cart = (diff[:, :, :, None, :] + shifts) @ lattice.detach().double()[:, None, None]
    n = frac.shape[1]
    return (cart ** 2).sum(-1).sqrt(), torch.eye(n, dtype=torch.bool), (shifts == 0).all(-1)


def _min(dist: torch.Tensor) -> torch.Tensor:
    return dist.reshape(len(dist), -1).min(1).values


def min_interatomic_distance(lattice: torch.Tensor, frac: torch.Tensor) -> Catalogue:
    """The shortest distances (B,) each mistake returns."""
    dist, same, zero = _pair_distances(lattice, frac)
    self_at_zero = same[None, :, :, None] & zero[None, None, None, :]
    right = dist.masked_fill(self_at_zero, float("inf"))
    one, _, zero_one = _pair_distances(lattice, frac, _SHIFTS[(_SHIFTS == 0).all(-1)])
    transposed, _, _ = _pair_distances(lattice.detach().transpose(1, 2), frac)
    return {
        DISTANCE_NO_MASK: _min(dist),
        DISTANCE_MASK_ALL_ZEROS: _min(dist.masked_fill(dist == 0, float("inf"))),
        DISTANCE_NO_SELF_IMAGES: _min(dist.masked_fill(same[None, :, :, None], float("inf"))),
        DISTANCE_NO_SEARCH: _min(one.masked_fill(same[None, :, :, None] & zero_one, float("inf"))),
        DISTANCE_SQUARED: _min(right) ** 2,
        DISTANCE_TRANSPOSED: _min(transposed.masked_fill(self_at_zero, float("inf"))),
    }
