# base: solution
# mistake: the exploration term s phi(u) left out
# caught: visible ei_test
# named: the s phi(u) term is missing
# %% ei_answer
def expected_improvement(mean, std, best):
    m, s = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    if (s < 0).any():
        raise ValueError("std must be >= 0")
    gain = m - best
    safe = np.where(s > 0, s, 1.0)
    return np.where(s > 0, gain * norm.cdf(gain / safe), np.maximum(gain, 0.0))
