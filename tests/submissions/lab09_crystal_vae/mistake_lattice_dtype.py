# base: solution
# mistake: new tensor created without dtype= and device= (float32 on the CPU)
# caught: visible lattice_test
# named: dtype=raw.dtype
# %% lattice_answer
def lattice_from_raw(raw, min_length=1.0):
    lat = torch.zeros(raw.shape[0], 3, 3)
    lat[:, [0, 1, 2], [0, 1, 2]] = F.softplus(raw[:, :3]) + min_length
    lat[:, [1, 2, 2], [0, 0, 1]] = raw[:, 3:]
    return lat
