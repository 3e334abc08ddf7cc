# base: solution
# mistake: the healthy ranks summed (1 - AUROC)
# caught: visible auroc_test
# named: you summed the ranks of the healthy
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
    return float((ranks[:len(h)].sum() - len(h) * (len(h) + 1) / 2) / (len(a) * len(h)))
