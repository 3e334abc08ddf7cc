# base: solution
# mistake: np.argsort taken as the ranks
# caught: visible evaluation_test
# named: np.argsort gives the order
# %% evaluation_answer
def spearman(a, b):
    ra = np.argsort(np.asarray(a, dtype=float), kind="mergesort") + 1.0
    rb = np.argsort(np.asarray(b, dtype=float), kind="mergesort") + 1.0
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra ** 2).sum() * (rb ** 2).sum()))


def target_mae(targets, achieved):
    return float(np.mean(np.abs(np.asarray(achieved, dtype=float) - np.asarray(targets, dtype=float))))
