# base: solution
# mistake: only the gap just after each point (one-sided)
# caught: visible ks_test
# named: gap just after each point
# %% ks_answer
def ks_normal(x):
    v = torch.sort(torch.as_tensor(x, dtype=torch.float64).flatten()).values
    n = v.numel()
    phi = 0.5 * (1 + torch.erf(v / np.sqrt(2.0)))
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return float((i / n - phi).max())
