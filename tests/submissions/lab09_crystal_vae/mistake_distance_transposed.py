# base: solution
# mistake: Cartesian vectors with the transposed lattice
# caught: visible distance_test
# named: transposed lattice
# %% distance_answer
def min_interatomic_distance(lattice, frac):
    shifts = torch.tensor(list(itertools.product([-1, 0, 1], repeat=3)), dtype=frac.dtype, device=frac.device)
    diff = frac[:, :, None, :] - frac[:, None, :, :]
    diff = diff - torch.round(diff)
    images = diff[:, :, :, None, :] + shifts
    dist = ((images @ lattice.transpose(1, 2)[:, None, None]) ** 2).sum(-1).sqrt()
    same_atom = torch.eye(frac.shape[1], dtype=torch.bool, device=frac.device)[None, :, :, None]
    no_shift = (shifts == 0).all(-1)[None, None, None, :]
    dist = dist.masked_fill(same_atom & no_shift, float("inf"))
    return dist.reshape(len(frac), -1).min(1).values
