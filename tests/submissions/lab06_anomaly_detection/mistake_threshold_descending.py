# base: solution
# mistake: scores sorted in decreasing order
# caught: visible threshold_test
# named: sorted in decreasing order
# %% threshold_answer
def calibrate_threshold(scores, alpha):
    s = np.sort(np.asarray(scores, dtype=float).ravel())[::-1]
    k = math.ceil((len(s) + 1) * (1 - alpha))
    if k > len(s):
        raise ValueError(f"{len(s)} calibration scores are too few for alpha = {alpha}")
    return float(s[k - 1])
