# base: solution
# mistake: u = (best - m) / s
# caught: visible ei_test
# named: u has the wrong sign
# %% ei_answer
def expected_improvement(mean, std, best):
    m, s = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    if (s < 0).any():
        raise ValueError("std must be >= 0")
    gain = m - best
    safe = np.where(s > 0, s, 1.0)
    u = (best - m) / safe
    return np.where(s > 0, gain * norm.cdf(u) + safe * norm.pdf(u), np.maximum(gain, 0.0))
