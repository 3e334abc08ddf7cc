# base: solution
# mistake: z = sigma * eps (mu left out)
# caught: visible reparameterize_test
# named: z does not include mu
# %% reparameterize_answer
def reparameterize(mu, logvar):
    std = torch.exp(0.5 * logvar)
    return std * torch.randn_like(std)
