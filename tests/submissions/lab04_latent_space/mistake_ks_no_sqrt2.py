# base: solution
# mistake: Phi(v) = 0.5 (1 + erf(v)): no sqrt(2)
# caught: visible ks_test
# named: the sqrt(2) is missing
# %% ks_answer
def ks_normal(x):
    v = torch.sort(torch.as_tensor(x, dtype=torch.float64).flatten()).values
    n = v.numel()
    phi = 0.5 * (1 + torch.erf(v))
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(i / n - phi, phi - (i - 1) / n).max())
