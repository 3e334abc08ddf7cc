# base: solution
# mistake: no ValueError for too few points
# caught: visible tsne_test
# named: t-SNE needs more than 3 * perplexity points
# %% tsne_answer
def tsne_embed(z, perplexity=30.0, seed=0):
    x = np.asarray(z, dtype=np.float64)
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x)
