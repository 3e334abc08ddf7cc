# base: solution
# mistake: directions not scaled to unit norm
# caught: visible power_test
# named: not scaled to unit norm one by one
# %% power_answer
def shell_power(directions, L):
    d = directions.double()
    # (no scaling)
    power = (torch.fft.fft2(d.reshape(-1, L, L)).abs() ** 2).sum(0)
    index, values = lattice.shells(L)
    per_shell = torch.zeros(len(values), dtype=torch.float64).index_add_(0, index.ravel(), power.ravel())
    return per_shell / per_shell.sum()
