# base: solution
# mistake: 1 - 6 sum d^2 / (n (n^2 - 1)) with ties
# caught: visible evaluation_test
# named: the shortcut
# %% evaluation_answer
def spearman(a, b):
    def ranks(v):
        v = np.asarray(v, dtype=float)
        order = np.argsort(v, kind="mergesort")
        r = np.empty(len(v))
        r[order] = np.arange(1, len(v) + 1)
        for value in np.unique(v):  # ties share the average rank
            tied = v == value
            r[tied] = r[tied].mean()
        return r

    ra, rb = ranks(a), ranks(b)
    n = len(ra)
    return float(1 - 6 * ((ra - rb) ** 2).sum() / (n * (n ** 2 - 1)))


def target_mae(targets, achieved):
    return float(np.mean(np.abs(np.asarray(achieved, dtype=float) - np.asarray(targets, dtype=float))))
