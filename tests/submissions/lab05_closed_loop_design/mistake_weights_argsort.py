# base: solution
# mistake: argsort's output used as the ranks
# caught: visible weights_test
# named: used the output of argsort as the ranks
# %% weights_answer
def rank_weights(scores, k):
    s = np.asarray(scores, dtype=float)
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    if math.isinf(k):
        return np.full(len(s), 1.0 / len(s))
    ranks = np.empty(len(s))
    ranks = np.argsort(-s, kind="stable").astype(float)
    w = 1.0 / (k * len(s) + ranks)
    return w / w.sum()
