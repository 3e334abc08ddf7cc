# base: solution
# mistake: diagonal exp(raw) + min_length instead of softplus
# caught: visible lattice_test
# named: uses exp(raw)
# %% lattice_answer
def lattice_from_raw(raw, min_length=1.0):
    diag = torch.exp(raw[:, :3]) + min_length
    lat = torch.zeros(raw.shape[0], 3, 3, dtype=raw.dtype, device=raw.device)
    lat[:, [0, 1, 2], [0, 1, 2]] = diag
    lat[:, [1, 2, 2], [0, 0, 1]] = raw[:, 3:]
    return lat
