# base: solution
# mistake: no check of k > n (IndexError instead of ValueError)
# caught: visible threshold_test
# named: raise ValueError
# %% threshold_answer
def calibrate_threshold(scores, alpha):
    s = np.sort(np.asarray(scores, dtype=float).ravel())
    k = math.ceil((len(s) + 1) * (1 - alpha))
    return float(s[k - 1])
