# base: solution
# mistake: one-axis fft / ifft instead of fft2 / ifft2
# caught: visible sampler_test
# named: you transformed one axis only
# %% sampler_answer
def sample_gff(n, L, mass, generator=None):
    w = torch.randn(n, L, L, generator=generator, dtype=torch.float64)
    return torch.fft.ifft(gff_eigenvalues(L, mass).sqrt() * torch.fft.fft(w)).real
