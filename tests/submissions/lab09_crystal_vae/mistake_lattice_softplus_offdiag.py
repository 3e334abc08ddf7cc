# base: solution
# mistake: softplus applied to all six raw outputs
# caught: visible lattice_test
# named: applied to the off-diagonal entries too
# %% lattice_answer
def lattice_from_raw(raw, min_length=1.0):
    pos = F.softplus(raw)
    lat = torch.zeros(raw.shape[0], 3, 3, dtype=raw.dtype, device=raw.device)
    lat[:, [0, 1, 2], [0, 1, 2]] = pos[:, :3] + min_length
    lat[:, [1, 2, 2], [0, 0, 1]] = pos[:, 3:]
    return lat
