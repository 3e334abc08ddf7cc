# base: solution
# mistake: no image search: rounding only, self masked
# caught: visible distance_test
# named: no image search
# %% distance_answer
def min_interatomic_distance(lattice, frac):
    diff = frac[:, :, None, :] - frac[:, None, :, :]
    diff = diff - torch.round(diff)
    dist = ((diff @ lattice[:, None]) ** 2).sum(-1).sqrt()
    same_atom = torch.eye(frac.shape[1], dtype=torch.bool, device=frac.device)[None]
    dist = dist.masked_fill(same_atom, float("inf"))
    return dist.reshape(len(frac), -1).min(1).values
