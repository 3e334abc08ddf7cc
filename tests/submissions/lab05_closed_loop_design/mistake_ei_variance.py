# base: solution
# mistake: the standard deviation treated as a variance (its square root taken)
# caught: visible ei_test
# named: treated as a variance
# %% ei_answer
def expected_improvement(mean, std, best):
    m, s = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    if (s < 0).any():
        raise ValueError("std must be >= 0")
    s = np.sqrt(s)
    gain = m - best
    safe = np.where(s > 0, s, 1.0)
    return np.where(s > 0, gain * norm.cdf(gain / safe) + safe * norm.pdf(gain / safe), np.maximum(gain, 0.0))
