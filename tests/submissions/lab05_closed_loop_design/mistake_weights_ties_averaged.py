# base: solution
# mistake: scipy.stats.rankdata: tied scores share an averaged rank
# caught: visible weights_test
# named: share an averaged rank
# %% weights_answer
def rank_weights(scores, k):
    from scipy.stats import rankdata

    s = np.asarray(scores, dtype=float)
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    if math.isinf(k):
        return np.full(len(s), 1.0 / len(s))
    ranks = rankdata(-s) - 1
    w = 1.0 / (k * len(s) + ranks)
    return w / w.sum()
