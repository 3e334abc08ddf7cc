# base: solution
# mistake: bits that are 0 in both counted as agreement
# caught: visible distance_test
# named: leave at 0 as agreement
# %% distance_answer
def pair_distances(z, fps, i, j):
    z, fps = torch.as_tensor(z, dtype=torch.float64), torch.as_tensor(fps, dtype=torch.float64)
    d_latent = (z[i] - z[j]).norm(dim=1)
    both = (fps[i] * fps[j]).sum(1)
    either = torch.full_like(both, fps.shape[1])
    similarity = (fps[i] == fps[j]).double().sum(1) / either
    return d_latent.numpy(), (1 - similarity).numpy()
