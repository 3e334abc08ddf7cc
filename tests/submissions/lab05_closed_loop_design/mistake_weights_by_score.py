# base: solution
# mistake: weights proportional to the scores
# caught: visible weights_test
# named: weighted by the score itself
# %% weights_answer
def rank_weights(scores, k):
    s = np.asarray(scores, dtype=float)
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    if math.isinf(k):
        return np.full(len(s), 1.0 / len(s))
    ranks = np.empty(len(s))
    ranks[np.argsort(-s, kind="stable")] = np.arange(len(s))
    w = s
    return w / w.sum()
