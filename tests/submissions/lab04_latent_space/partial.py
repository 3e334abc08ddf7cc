# base: solution
# One piece broken: the KS statistic looks only at the gap just after each point (one-sided).
# %% ks_answer
def ks_normal(x):
    v = torch.sort(torch.as_tensor(x, dtype=torch.float64).flatten()).values
    n = v.numel()
    phi = 0.5 * (1 + torch.erf(v / np.sqrt(2.0)))
    return float((torch.arange(1, n + 1, dtype=torch.float64) / n - phi).max())
