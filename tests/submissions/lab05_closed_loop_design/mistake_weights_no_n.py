# base: solution
# mistake: k instead of k N
# caught: visible weights_test
# named: the pool size N is missing
# %% weights_answer
def rank_weights(scores, k):
    s = np.asarray(scores, dtype=float)
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    if math.isinf(k):
        return np.full(len(s), 1.0 / len(s))
    ranks = np.empty(len(s))
    ranks[np.argsort(-s, kind="stable")] = np.arange(len(s))
    w = 1.0 / (k + ranks)
    return w / w.sum()
