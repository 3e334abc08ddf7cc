# base: solution
# mistake: init='random'
# caught: visible tsne_test
# named: use init='pca'
# %% tsne_answer
def tsne_embed(z, perplexity=30.0, seed=0):
    x = np.asarray(z, dtype=np.float64)
    if x.shape[0] <= 3 * perplexity:
        raise ValueError(f"t-SNE needs more than 3 * perplexity = {3 * perplexity} points, got {x.shape[0]}")
    return TSNE(n_components=2, perplexity=perplexity, init="random", random_state=seed).fit_transform(x)
