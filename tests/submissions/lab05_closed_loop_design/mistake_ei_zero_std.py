# base: solution
# mistake: no special case for std = 0 (0 / 0 gives nan where the mean equals best)
# caught: visible ei_test
# named: nan where std = 0
# %% ei_answer
def expected_improvement(mean, std, best):
    m, s = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    if (s < 0).any():
        raise ValueError("std must be >= 0")
    u = (m - best) / s
    return (m - best) * norm.cdf(u) + s * norm.pdf(u)
