# base: solution
# mistake: built in float32
# caught: visible spectrum_test
# named: build it in float64
# %% spectrum_answer
def gff_eigenvalues(L, mass):
    s = 4 * torch.sin(math.pi * torch.arange(L) / L) ** 2
    return 1.0 / (mass ** 2 + s[:, None] + s[None, :])
