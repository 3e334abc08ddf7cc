# base: solution
# mistake: every pairwise distance (cdist) instead of one per pair
# caught: visible distance_test
# named: every pairwise distance
# %% distance_answer
def pair_distances(z, fps, i, j):
    z, fps = torch.as_tensor(z, dtype=torch.float64), torch.as_tensor(fps, dtype=torch.float64)
    d_latent = torch.cdist(z[i], z[j])
    both = (fps[i] * fps[j]).sum(1)
    either = fps[i].sum(1) + fps[j].sum(1) - both
    similarity = torch.where(either > 0, both / either.clamp(min=1), torch.ones_like(both))
    return d_latent.numpy(), (1 - similarity).numpy()
