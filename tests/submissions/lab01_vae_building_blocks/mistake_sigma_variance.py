# base: solution
# mistake: sigma = exp(logvar) (the variance used as the standard deviation)
# caught: visible reparameterize_test
# named: the variance where the standard deviation goes
# %% reparameterize_answer
def reparameterize(mu, logvar):
    std = torch.exp(logvar)
    return mu + std * torch.randn_like(std)
