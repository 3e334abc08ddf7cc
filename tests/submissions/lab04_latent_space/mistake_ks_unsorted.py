# base: solution
# mistake: the sample not sorted
# caught: visible ks_test
# named: the sample is not sorted
# %% ks_answer
def ks_normal(x):
    v = torch.as_tensor(x, dtype=torch.float64).flatten()
    n = v.numel()
    phi = 0.5 * (1 + torch.erf(v / np.sqrt(2.0)))
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(i / n - phi, phi - (i - 1) / n).max())
