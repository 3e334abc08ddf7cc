# base: solution
# mistake: loss = rec + kl.sum() (beta ignored)
# caught: visible loss_test
# named: beta is ignored
# %% loss_answer
def linear_vae_loss(model, x, beta=1.0):
    mu = model.encoder(x)
    rec = expected_reconstruction(x, mu, model.logvar, model.decoder.weight, model.decoder.bias, model.sigma2).mean()
    kl = 0.5 * (mu.pow(2) + model.logvar.exp() - 1 - model.logvar).mean(0)
    return rec + kl.sum(), rec, kl
