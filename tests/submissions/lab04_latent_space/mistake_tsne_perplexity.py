# base: solution
# mistake: perplexity not passed to TSNE
# caught: visible tsne_test
# named: the perplexity argument is ignored
# %% tsne_answer
def tsne_embed(z, perplexity=30.0, seed=0):
    x = np.asarray(z, dtype=np.float64)
    if x.shape[0] <= 3 * perplexity:
        raise ValueError(f"t-SNE needs more than 3 * perplexity = {3 * perplexity} points, got {x.shape[0]}")
    return TSNE(n_components=2, init="pca", random_state=seed).fit_transform(x)
