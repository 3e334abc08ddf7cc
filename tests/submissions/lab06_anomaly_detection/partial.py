# base: solution
# One piece broken: the threshold takes the (1 - alpha) quantile of n scores, not the conformal rank.
# %% threshold_answer
def calibrate_threshold(scores, alpha):
    return float(np.quantile(np.asarray(scores, dtype=float), 1 - alpha))
