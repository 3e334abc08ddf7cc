# base: solution
# mistake: FFT(w) divided by sqrt(lambda)
# caught: visible sampler_test
# named: the square root of the precision
# %% sampler_answer
def sample_gff(n, L, mass, generator=None):
    w = torch.randn(n, L, L, generator=generator, dtype=torch.float64)
    return torch.fft.ifft2(torch.fft.fft2(w) / gff_eigenvalues(L, mass).sqrt()).real
