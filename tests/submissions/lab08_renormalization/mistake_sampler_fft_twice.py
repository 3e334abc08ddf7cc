# base: solution
# mistake: fft2 used on the way back too
# caught: visible sampler_test
# named: the way back is ifft2
# %% sampler_answer
def sample_gff(n, L, mass, generator=None):
    w = torch.randn(n, L, L, generator=generator, dtype=torch.float64)
    return torch.fft.fft2(gff_eigenvalues(L, mass).sqrt() * torch.fft.fft2(w)).real
