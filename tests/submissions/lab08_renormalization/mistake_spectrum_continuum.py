# base: solution
# mistake: continuum k^2 instead of 4 sin^2(k/2)
# caught: visible spectrum_test
# named: you used the continuum k^2
# %% spectrum_answer
def gff_eigenvalues(L, mass):
    s = (2 * math.pi * torch.arange(L, dtype=torch.float64) / L) ** 2
    return 1.0 / (mass ** 2 + s[:, None] + s[None, :])
