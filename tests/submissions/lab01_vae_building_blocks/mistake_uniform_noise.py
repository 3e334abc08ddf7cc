# base: solution
# mistake: eps from torch.rand_like (uniform) instead of torch.randn_like
# caught: visible reparameterize_test
# named: your noise is uniform
# %% reparameterize_answer
def reparameterize(mu, logvar):
    std = torch.exp(0.5 * logvar)
    return mu + std * torch.rand_like(std)
