# base: solution
# mistake: np.argsort taken as the ranks
# caught: visible auroc_test
# named: np.argsort gives the order
# %% auroc_answer
def auroc(healthy_scores, anomalous_scores):
    h = np.asarray(healthy_scores, dtype=float).ravel()
    a = np.asarray(anomalous_scores, dtype=float).ravel()
    both = np.concatenate([h, a])
    ranks = np.argsort(both, kind="mergesort") + 1.0
    return float((ranks[len(h):].sum() - len(a) * (len(a) + 1) / 2) / (len(a) * len(h)))
