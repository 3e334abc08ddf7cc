# base: release
# Every answer delegates to the course reference (or scipy / scikit-learn) instead of implementing it.
# %% encode_answer
encode_means = latent.encode_means
# %% ks_answer
def ks_normal(x):
    return float(stats.kstest(np.asarray(x, dtype=float), "norm").statistic)
# %% tsne_answer
def tsne_embed(z, perplexity=30.0, seed=0):
    return plotting.tsne_embed(z, perplexity=perplexity, seed=seed)  # the reference of the same name
# %% distance_answer
def pair_distances(z, fps, i, j):
    return latent.pair_distances(z, fps, i, j)
# %% ridge_answer
def ridge_predict(z_train, y_train, z_test, alpha=1.0):
    return latent.ridge_predict(z_train, y_train, z_test, alpha)


def r2_score(y_true, y_pred):
    return latent.r2_score(torch.as_tensor(y_true, dtype=torch.float64), torch.as_tensor(y_pred, dtype=torch.float64))
# %% path_answer
path_smoothness = latent.path_smoothness
