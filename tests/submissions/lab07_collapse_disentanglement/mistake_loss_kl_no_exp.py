# base: solution
# mistake: KL with logvar where exp(logvar) goes
# caught: visible loss_test
# named: exp is missing on the variance term
# %% loss_answer
def linear_vae_loss(model, x, beta=1.0):
    mu = model.encoder(x)
    rec = expected_reconstruction(x, mu, model.logvar, model.decoder.weight, model.decoder.bias, model.sigma2).mean()
    kl = 0.5 * (mu.pow(2) + model.logvar - 1 - model.logvar).mean(0)
    return rec + beta * kl.sum(), rec, kl
