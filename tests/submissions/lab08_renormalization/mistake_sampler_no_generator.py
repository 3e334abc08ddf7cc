# base: solution
# mistake: the noise ignores the generator
# caught: visible sampler_test
# named: generators seeded alike
# %% sampler_answer
def sample_gff(n, L, mass, generator=None):
    w = torch.randn(n, L, L, dtype=torch.float64)
    return torch.fft.ifft2(gff_eigenvalues(L, mass).sqrt() * torch.fft.fft2(w)).real
