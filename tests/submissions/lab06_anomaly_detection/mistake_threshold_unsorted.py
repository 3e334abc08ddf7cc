# base: solution
# mistake: the scores not sorted
# caught: visible threshold_test
# named: the scores are not sorted
# %% threshold_answer
def calibrate_threshold(scores, alpha):
    s = np.asarray(scores, dtype=float).ravel()
    k = math.ceil((len(s) + 1) * (1 - alpha))
    if k > len(s):
        raise ValueError(f"{len(s)} calibration scores are too few for alpha = {alpha}")
    return float(s[k - 1])
