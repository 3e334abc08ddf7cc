# base: solution
# mistake: one eps vector shared by the whole batch
# caught: visible reparameterize_test
# named: every sample got the same eps
# %% reparameterize_answer
def reparameterize(mu, logvar):
    std = torch.exp(0.5 * logvar)
    eps = torch.randn(std.shape[-1])
    return mu + std * eps
