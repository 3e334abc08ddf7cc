# base: solution
# mistake: np.argsort(scores)[::-1]: ties in reverse
# caught: visible weights_test
# named: ties are broken in reverse
# %% weights_answer
def rank_weights(scores, k):
    s = np.asarray(scores, dtype=float)
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    if math.isinf(k):
        return np.full(len(s), 1.0 / len(s))
    ranks = np.empty(len(s))
    ranks[np.argsort(s)[::-1]] = np.arange(len(s))
    w = 1.0 / (k * len(s) + ranks)
    return w / w.sum()
