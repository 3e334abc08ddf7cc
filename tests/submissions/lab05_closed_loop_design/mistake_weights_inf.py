# base: solution
# mistake: k = inf not handled (0 / 0)
# caught: visible weights_test
# named: k = inf must give uniform weights
# %% weights_answer
def rank_weights(scores, k):
    s = np.asarray(scores, dtype=float)
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    ranks = np.empty(len(s))
    ranks[np.argsort(-s, kind="stable")] = np.arange(len(s))
    w = 1.0 / (k * len(s) + ranks)
    return w / w.sum()
