# base: solution
# mistake: fftshift (centred) order instead of FFT order
# caught: visible spectrum_test
# named: centred (fftshift) order
# %% spectrum_answer
def gff_eigenvalues(L, mass):
    s = 4 * torch.sin(math.pi * torch.arange(L, dtype=torch.float64) / L) ** 2
    return torch.fft.fftshift(1.0 / (mass ** 2 + s[:, None] + s[None, :]))
