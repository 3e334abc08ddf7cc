# base: solution
# mistake: two empty fingerprints given distance 1
# caught: visible distance_test
# named: two empty fingerprints are identical
# %% distance_answer
def pair_distances(z, fps, i, j):
    z, fps = torch.as_tensor(z, dtype=torch.float64), torch.as_tensor(fps, dtype=torch.float64)
    d_latent = (z[i] - z[j]).norm(dim=1)
    both = (fps[i] * fps[j]).sum(1)
    either = fps[i].sum(1) + fps[j].sum(1) - both
    similarity = both / either.clamp(min=1)
    return d_latent.numpy(), (1 - similarity).numpy()
