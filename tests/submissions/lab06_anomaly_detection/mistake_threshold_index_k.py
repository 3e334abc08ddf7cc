# base: solution
# mistake: sorted[k] instead of sorted[k - 1]
# caught: visible threshold_test
# named: off by one
# %% threshold_answer
def calibrate_threshold(scores, alpha):
    s = np.sort(np.asarray(scores, dtype=float).ravel())
    k = math.ceil((len(s) + 1) * (1 - alpha))
    if k > len(s):
        raise ValueError(f"{len(s)} calibration scores are too few for alpha = {alpha}")
    return float(s[min(k, len(s) - 1)])
