# base: solution
# mistake: power averaged over the modes of each shell
# caught: visible power_test
# named: you averaged the power over the modes of each shell
# %% power_answer
def shell_power(directions, L):
    d = directions.double()
    d = d / d.norm(dim=1, keepdim=True)
    power = (torch.fft.fft2(d.reshape(-1, L, L)).abs() ** 2).sum(0)
    index, values = lattice.shells(L)
    per_shell = torch.zeros(len(values), dtype=torch.float64).index_add_(0, index.ravel(), power.ravel())
    sizes = torch.zeros(len(values), dtype=torch.float64).index_add_(
        0, index.ravel(), torch.ones(L * L, dtype=torch.float64))
    per_shell = per_shell / sizes
    return per_shell / per_shell.sum()
