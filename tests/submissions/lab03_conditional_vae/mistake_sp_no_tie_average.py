# base: solution
# mistake: ordinal ranks (ties not averaged)
# caught: visible evaluation_test
# named: tied values did not share their average rank
# %% evaluation_answer
def spearman(a, b):
    ra = np.argsort(np.argsort(np.asarray(a, dtype=float))).astype(float)
    rb = np.argsort(np.argsort(np.asarray(b, dtype=float))).astype(float)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra ** 2).sum() * (rb ** 2).sum()))


def target_mae(targets, achieved):
    return float(np.mean(np.abs(np.asarray(achieved, dtype=float) - np.asarray(targets, dtype=float))))
