# base: solution
# mistake: the squared distance (no square root)
# caught: visible distance_test
# named: the squared distance
# %% distance_answer
def pair_distances(z, fps, i, j):
    z, fps = torch.as_tensor(z, dtype=torch.float64), torch.as_tensor(fps, dtype=torch.float64)
    d_latent = (z[i] - z[j]).pow(2).sum(1)
    both = (fps[i] * fps[j]).sum(1)
    either = fps[i].sum(1) + fps[j].sum(1) - both
    similarity = torch.where(either > 0, both / either.clamp(min=1), torch.ones_like(both))
    return d_latent.numpy(), (1 - similarity).numpy()
