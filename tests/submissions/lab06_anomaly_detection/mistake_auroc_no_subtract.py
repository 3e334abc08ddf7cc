# base: solution
# mistake: the minimal rank sum n_a(n_a + 1)/2 not subtracted
# caught: visible auroc_test
# named: you did not subtract the smallest possible rank sum
# %% auroc_answer
def auroc(healthy_scores, anomalous_scores):
    h = np.asarray(healthy_scores, dtype=float).ravel()
    a = np.asarray(anomalous_scores, dtype=float).ravel()
    both = np.concatenate([h, a])
    ranks = np.empty(len(both))
    ranks[np.argsort(both, kind="mergesort")] = np.arange(1, len(both) + 1)
    for value in np.unique(both):
        tied = both == value
        ranks[tied] = ranks[tied].mean()
    return float((ranks[len(h):].sum() - 0) / (len(a) * len(h)))
