# base: solution
# mistake: the probability of improvement Phi(u) returned instead of the expected improvement
# caught: visible ei_test
# named: probability of improvement
# %% ei_answer
def expected_improvement(mean, std, best):
    m, s = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    if (s < 0).any():
        raise ValueError("std must be >= 0")
    safe = np.where(s > 0, s, 1.0)
    return np.where(s > 0, norm.cdf((m - best) / safe), (m > best).astype(float))
