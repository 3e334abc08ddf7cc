# base: solution
# mistake: every zero distance masked (dist == 0)
# caught: visible distance_test
# named: masked every zero distance
# %% distance_answer
def min_interatomic_distance(lattice, frac):
    shifts = torch.tensor(list(itertools.product([-1, 0, 1], repeat=3)), dtype=frac.dtype, device=frac.device)
    diff = frac[:, :, None, :] - frac[:, None, :, :]
    diff = diff - torch.round(diff)
    images = diff[:, :, :, None, :] + shifts
    dist = ((images @ lattice[:, None, None]) ** 2).sum(-1).sqrt()
    dist = dist.masked_fill(dist == 0, float("inf"))
    return dist.reshape(len(frac), -1).min(1).values
