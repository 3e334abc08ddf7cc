# base: solution
# mistake: np.quantile(scores, 1 - alpha) instead of the conformal rank
# caught: visible threshold_test
# named: you took np.quantile
# %% threshold_answer
def calibrate_threshold(scores, alpha):
    return float(np.quantile(np.asarray(scores, dtype=float), 1 - alpha))
