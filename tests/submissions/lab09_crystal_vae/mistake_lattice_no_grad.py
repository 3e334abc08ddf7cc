# base: solution
# mistake: the lattice built in NumPy and converted back (no gradient)
# caught: visible lattice_test
# named: no gradient reached raw
# %% lattice_answer
def lattice_from_raw(raw, min_length=1.0):
    r = raw.detach().cpu().numpy()
    lat = np.zeros((len(r), 3, 3))
    lat[:, [0, 1, 2], [0, 1, 2]] = np.log1p(np.exp(r[:, :3])) + min_length
    lat[:, [1, 2, 2], [0, 0, 1]] = r[:, 3:]
    return torch.tensor(lat, dtype=raw.dtype, device=raw.device)
