# base: solution
# mistake: per-shell power not divided by the total
# caught: visible power_test
# named: not divided by the total
# %% power_answer
def shell_power(directions, L):
    d = directions.double()
    d = d / d.norm(dim=1, keepdim=True)
    power = (torch.fft.fft2(d.reshape(-1, L, L)).abs() ** 2).sum(0)
    index, values = lattice.shells(L)
    per_shell = torch.zeros(len(values), dtype=torch.float64).index_add_(0, index.ravel(), power.ravel())
    return per_shell
