# base: solution
# mistake: k = ceil(n (1 - alpha)) (the + 1 left out)
# caught: visible threshold_test
# named: k uses n where n + 1 goes
# %% threshold_answer
def calibrate_threshold(scores, alpha):
    s = np.sort(np.asarray(scores, dtype=float).ravel())
    k = math.ceil(len(s) * (1 - alpha))
    if k > len(s):
        raise ValueError(f"{len(s)} calibration scores are too few for alpha = {alpha}")
    return float(s[k - 1])
