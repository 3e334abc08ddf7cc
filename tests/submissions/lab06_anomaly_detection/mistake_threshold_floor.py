# base: solution
# mistake: k rounded down with int()
# caught: visible threshold_test
# named: k was rounded down
# %% threshold_answer
def calibrate_threshold(scores, alpha):
    s = np.sort(np.asarray(scores, dtype=float).ravel())
    k = int((len(s) + 1) * (1 - alpha))
    if k > len(s):
        raise ValueError(f"{len(s)} calibration scores are too few for alpha = {alpha}")
    return float(s[k - 1])
