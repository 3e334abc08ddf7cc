# base: solution
# mistake: i == j masked for every shift (no atom-to-own-image distance)
# caught: visible distance_test
# named: own images is left out
# %% distance_answer
def min_interatomic_distance(lattice, frac):
    shifts = torch.tensor(list(itertools.product([-1, 0, 1], repeat=3)), dtype=frac.dtype, device=frac.device)
    diff = frac[:, :, None, :] - frac[:, None, :, :]
    diff = diff - torch.round(diff)
    images = diff[:, :, :, None, :] + shifts
    dist = ((images @ lattice[:, None, None]) ** 2).sum(-1).sqrt()
    same_atom = torch.eye(frac.shape[1], dtype=torch.bool, device=frac.device)[None, :, :, None]
    dist = dist.masked_fill(same_atom, float("inf"))
    return dist.reshape(len(frac), -1).min(1).values
