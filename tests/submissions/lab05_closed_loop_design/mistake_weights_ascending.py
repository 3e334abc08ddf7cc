# base: solution
# mistake: rank 0 for the lowest score
# caught: visible weights_test
# named: rank 0 went to the LOWEST score
# %% weights_answer
def rank_weights(scores, k):
    s = np.asarray(scores, dtype=float)
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    if math.isinf(k):
        return np.full(len(s), 1.0 / len(s))
    ranks = np.empty(len(s))
    ranks[np.argsort(s, kind="stable")] = np.arange(len(s))
    w = 1.0 / (k * len(s) + ranks)
    return w / w.sum()
