# base: solution
# mistake: a fixed 1.0 added instead of the min_length argument
# caught: visible lattice_test
# named: min_length argument is ignored
# %% lattice_answer
def lattice_from_raw(raw, min_length=1.0):
    diag = F.softplus(raw[:, :3]) + 1.0
    lat = torch.zeros(raw.shape[0], 3, 3, dtype=raw.dtype, device=raw.device)
    lat[:, [0, 1, 2], [0, 1, 2]] = diag
    lat[:, [1, 2, 2], [0, 0, 1]] = raw[:, 3:]
    return lat
