# base: solution
# mistake: the Pearson correlation of the values
# caught: visible evaluation_test
# named: you correlated the values themselves
# %% evaluation_answer
def spearman(a, b):
    ra, rb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra ** 2).sum() * (rb ** 2).sum()))


def target_mae(targets, achieved):
    return float(np.mean(np.abs(np.asarray(achieved, dtype=float) - np.asarray(targets, dtype=float))))
