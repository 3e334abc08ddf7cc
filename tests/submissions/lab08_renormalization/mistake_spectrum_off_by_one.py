# base: solution
# mistake: n = 1 .. L instead of 0 .. L - 1
# caught: visible spectrum_test
# named: n runs over 1 .. L
# %% spectrum_answer
def gff_eigenvalues(L, mass):
    s = 4 * torch.sin(math.pi * torch.arange(1, L + 1, dtype=torch.float64) / L) ** 2
    return 1.0 / (mass ** 2 + s[:, None] + s[None, :])
