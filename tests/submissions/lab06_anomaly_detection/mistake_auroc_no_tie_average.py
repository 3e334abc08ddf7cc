# base: solution
# mistake: ranks not averaged over ties
# caught: visible auroc_test
# named: ranks that were not averaged over ties
# %% auroc_answer
def auroc(healthy_scores, anomalous_scores):
    h = np.asarray(healthy_scores, dtype=float).ravel()
    a = np.asarray(anomalous_scores, dtype=float).ravel()
    both = np.concatenate([h, a])
    ranks = np.empty(len(both))
    ranks[np.argsort(both, kind="mergesort")] = np.arange(1, len(both) + 1)
    return float((ranks[len(h):].sum() - len(a) * (len(a) + 1) / 2) / (len(a) * len(h)))
