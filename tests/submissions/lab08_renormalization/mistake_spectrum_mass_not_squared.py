# base: solution
# mistake: 1 / (m + omega)
# caught: visible spectrum_test
# named: the mass enters squared
# %% spectrum_answer
def gff_eigenvalues(L, mass):
    s = 4 * torch.sin(math.pi * torch.arange(L, dtype=torch.float64) / L) ** 2
    return 1.0 / (mass + s[:, None] + s[None, :])
