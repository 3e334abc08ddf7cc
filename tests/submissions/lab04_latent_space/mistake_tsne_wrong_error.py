# base: solution
# mistake: an assert (AssertionError) instead of ValueError
# caught: visible tsne_test
# named: raise ValueError (not assert
# %% tsne_answer
def tsne_embed(z, perplexity=30.0, seed=0):
    x = np.asarray(z, dtype=np.float64)
    assert x.shape[0] > 3 * perplexity, "t-SNE needs more than 3 * perplexity points"
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(x)
