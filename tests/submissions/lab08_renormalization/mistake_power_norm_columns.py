# base: solution
# mistake: columns scaled to unit norm (dim=0)
# caught: visible power_test
# named: you scaled the columns
# %% power_answer
def shell_power(directions, L):
    d = directions.double()
    d = d / d.norm(dim=0, keepdim=True)
    power = (torch.fft.fft2(d.reshape(-1, L, L)).abs() ** 2).sum(0)
    index, values = lattice.shells(L)
    per_shell = torch.zeros(len(values), dtype=torch.float64).index_add_(0, index.ravel(), power.ravel())
    return per_shell / per_shell.sum()
