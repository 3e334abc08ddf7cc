# base: solution
# mistake: |FFT| summed instead of |FFT|^2
# caught: visible power_test
# named: the power is |FFT|^2
# %% power_answer
def shell_power(directions, L):
    d = directions.double()
    d = d / d.norm(dim=1, keepdim=True)
    power = torch.fft.fft2(d.reshape(-1, L, L)).abs().sum(0)
    index, values = lattice.shells(L)
    per_shell = torch.zeros(len(values), dtype=torch.float64).index_add_(0, index.ravel(), power.ravel())
    return per_shell / per_shell.sum()
