# base: solution
# mistake: FFT(w) multiplied by lambda instead of sqrt(lambda)
# caught: visible sampler_test
# named: multiply by sqrt(lambda)
# %% sampler_answer
def sample_gff(n, L, mass, generator=None):
    w = torch.randn(n, L, L, generator=generator, dtype=torch.float64)
    return torch.fft.ifft2(gff_eigenvalues(L, mass) * torch.fft.fft2(w)).real
