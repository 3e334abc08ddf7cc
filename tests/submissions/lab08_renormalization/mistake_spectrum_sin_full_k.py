# base: solution
# mistake: 4 sin^2(k) instead of 4 sin^2(k/2)
# caught: visible spectrum_test
# named: the sine takes half the wave number
# %% spectrum_answer
def gff_eigenvalues(L, mass):
    s = 4 * torch.sin(2 * math.pi * torch.arange(L, dtype=torch.float64) / L) ** 2
    return 1.0 / (mass ** 2 + s[:, None] + s[None, :])
