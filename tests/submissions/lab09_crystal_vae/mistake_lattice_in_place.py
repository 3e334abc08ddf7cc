# base: solution
# mistake: the diagonal written into raw in place
# caught: visible lattice_test
# named: wrote into raw in place
# %% lattice_answer
def lattice_from_raw(raw, min_length=1.0):
    raw[:, :3] = F.softplus(raw[:, :3]) + min_length
    lat = torch.zeros(raw.shape[0], 3, 3, dtype=raw.dtype, device=raw.device)
    lat[:, [0, 1, 2], [0, 1, 2]] = raw[:, :3]
    lat[:, [1, 2, 2], [0, 0, 1]] = raw[:, 3:]
    return lat
