# base: solution
# Two broken answers whose tests are tampered with, and inflated points elsewhere.
# Graded as if untouched: the broken pieces score 0 and the maximum stays the same.
# %% lattice_answer
def lattice_from_raw(raw, min_length=1.0):
    lat = torch.zeros(raw.shape[0], 3, 3, dtype=raw.dtype)
    lat[:, [0, 1, 2], [0, 1, 2]] = raw[:, :3] + min_length  # wrong: no softplus, the volume can be negative
    lat[:, [1, 2, 2], [0, 0, 1]] = raw[:, 3:]
    return lat
# %% lattice_test
pass
# %% distance_answer
def min_interatomic_distance(lattice, frac):
    diff = frac[:, :, None, :] - frac[:, None, :, :]
    diff = diff - torch.round(diff)  # wrong: no image search, and the self-distance 0 is not masked
    return ((diff @ lattice[:, None]) ** 2).sum(-1).sqrt().reshape(len(frac), -1).min(1).values
# %% distance_test delete
# %% loss_test points=100
