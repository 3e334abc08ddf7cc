# base: solution
# mistake: KL without the mu^2 term
# caught: visible loss_test
# named: the mu^2 term of the KL is missing
# %% loss_answer
def linear_vae_loss(model, x, beta=1.0):
    mu = model.encoder(x)
    rec = expected_reconstruction(x, mu, model.logvar, model.decoder.weight, model.decoder.bias, model.sigma2).mean()
    kl = 0.5 * (model.logvar.exp() - 1 - model.logvar).expand_as(mu).mean(0)
    return rec + beta * kl.sum(), rec, kl
