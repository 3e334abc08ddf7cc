# base: solution
# mistake: sin^2(k/2) without the factor 4
# caught: visible spectrum_test
# named: the factor 4 is missing
# %% spectrum_answer
def gff_eigenvalues(L, mass):
    s = torch.sin(math.pi * torch.arange(L, dtype=torch.float64) / L) ** 2
    return 1.0 / (mass ** 2 + s[:, None] + s[None, :])
