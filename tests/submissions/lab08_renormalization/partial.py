# base: solution
# One piece broken: the power is summed over directions without normalising them first.
# %% power_answer
def shell_power(directions, L):
    power = (torch.fft.fft2(directions.double().reshape(-1, L, L)).abs() ** 2).sum(0)
    index, values = lattice.shells(L)
    per_shell = torch.zeros(len(values), dtype=torch.float64).index_add_(0, index.ravel(), power.ravel())
    return per_shell / per_shell.sum()
