# base: solution
# mistake: the sample standardised before the test
# caught: visible ks_test
# named: you standardised the sample
# %% ks_answer
def ks_normal(x):
    v = torch.sort(torch.as_tensor(x, dtype=torch.float64).flatten()).values
    v = (v - v.mean()) / v.std()
    n = v.numel()
    phi = 0.5 * (1 + torch.erf(v / np.sqrt(2.0)))
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(i / n - phi, phi - (i - 1) / n).max())
