# base: solution
# mistake: omega from the first axis only
# caught: visible spectrum_test
# named: only one axis contributes
# %% spectrum_answer
def gff_eigenvalues(L, mass):
    s = 4 * torch.sin(math.pi * torch.arange(L, dtype=torch.float64) / L) ** 2
    return (1.0 / (mass ** 2 + s[:, None])).expand(L, L)
