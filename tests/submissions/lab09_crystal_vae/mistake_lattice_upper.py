# base: solution
# mistake: off-diagonal entries above the diagonal (upper triangular)
# caught: visible lattice_test
# named: upper triangular
# %% lattice_answer
def lattice_from_raw(raw, min_length=1.0):
    lat = torch.zeros(raw.shape[0], 3, 3, dtype=raw.dtype, device=raw.device)
    lat[:, [0, 1, 2], [0, 1, 2]] = F.softplus(raw[:, :3]) + min_length
    lat[:, [0, 0, 1], [1, 2, 2]] = raw[:, 3:]
    return lat
