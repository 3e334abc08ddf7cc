# base: solution
# mistake: ranks not centred before the correlation
# caught: visible evaluation_test
# named: the ranks were not centred
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
    return float((ra * rb).sum() / np.sqrt((ra ** 2).sum() * (rb ** 2).sum()))


def target_mae(targets, achieved):
    return float(np.mean(np.abs(np.asarray(achieved, dtype=float) - np.asarray(targets, dtype=float))))
