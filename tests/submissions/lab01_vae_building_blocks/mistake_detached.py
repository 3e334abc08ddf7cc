# base: solution
# mistake: sigma computed under no_grad (no gradient reaches logvar)
# caught: visible reparameterize_test
# named: gradients must flow to mu and logvar
# %% reparameterize_answer
def reparameterize(mu, logvar):
    with torch.no_grad():
        std = torch.exp(0.5 * logvar)
    return mu + std * torch.randn_like(std)
