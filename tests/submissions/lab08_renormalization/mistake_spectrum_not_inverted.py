# base: solution
# mistake: m^2 + omega (the precision's eigenvalues)
# caught: visible spectrum_test
# named: the eigenvalues of the precision
# %% spectrum_answer
def gff_eigenvalues(L, mass):
    s = 4 * torch.sin(math.pi * torch.arange(L, dtype=torch.float64) / L) ** 2
    return mass ** 2 + s[:, None] + s[None, :]
