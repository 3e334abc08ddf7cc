# base: solution
# mistake: the noise is drawn in float32
# caught: visible sampler_test
# named: the noise is drawn in float32
# %% sampler_answer
def sample_gff(n, L, mass, generator=None):
    w = torch.randn(n, L, L, generator=generator)
    return torch.fft.ifft2(gff_eigenvalues(L, mass).sqrt() * torch.fft.fft2(w)).real
