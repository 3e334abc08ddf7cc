# base: solution
# mistake: ranks from 0
# caught: visible auroc_test
# named: the ranks start at 0
# %% auroc_answer
def auroc(healthy_scores, anomalous_scores):
    h = np.asarray(healthy_scores, dtype=float).ravel()
    a = np.asarray(anomalous_scores, dtype=float).ravel()
    both = np.concatenate([h, a])
    ranks = np.empty(len(both))
    ranks[np.argsort(both, kind="mergesort")] = np.arange(len(both))
    for value in np.unique(both):
        tied = both == value
        ranks[tied] = ranks[tied].mean()
    return float((ranks[len(h):].sum() - len(a) * (len(a) + 1) / 2) / (len(a) * len(h)))
