# base: solution
# mistake: one reparameterised sample of z instead of the exact expectation
# caught: visible loss_test
# named: do not sample z
# %% loss_answer
def linear_vae_loss(model, x, beta=1.0):
    mu = model.encoder(x)
    z = mu + torch.exp(0.5 * model.logvar) * torch.randn_like(mu)
    rec = ((x - model.decoder(z)) ** 2).sum(1).mean() / (2 * model.sigma2)
    kl = 0.5 * (mu.pow(2) + model.logvar.exp() - 1 - model.logvar).mean(0)
    return rec + beta * kl.sum(), rec, kl
