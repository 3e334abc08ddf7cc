# base: solution
# mistake: .abs() of the complex field instead of .real
# caught: visible sampler_test
# named: you took .abs()
# %% sampler_answer
def sample_gff(n, L, mass, generator=None):
    w = torch.randn(n, L, L, generator=generator, dtype=torch.float64)
    return torch.fft.ifft2(gff_eigenvalues(L, mass).sqrt() * torch.fft.fft2(w)).abs()
