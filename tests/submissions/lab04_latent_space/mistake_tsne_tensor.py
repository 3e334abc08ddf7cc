# base: solution
# mistake: a torch tensor returned
# caught: visible tsne_test
# named: return a NumPy array
# %% tsne_answer
def tsne_embed(z, perplexity=30.0, seed=0):
    x = np.asarray(z, dtype=np.float64)
    if x.shape[0] <= 3 * perplexity:
        raise ValueError(f"t-SNE needs more than 3 * perplexity = {3 * perplexity} points, got {x.shape[0]}")
    return torch.from_numpy(TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x))
