# base: solution
# mistake: sigma = logvar (no exponential)
# caught: visible reparameterize_test
# named: you used logvar itself as sigma
# %% reparameterize_answer
def reparameterize(mu, logvar):
    return mu + logvar * torch.randn_like(logvar)
