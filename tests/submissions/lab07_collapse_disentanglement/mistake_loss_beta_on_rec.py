# base: solution
# mistake: loss = beta * rec + kl.sum()
# caught: visible loss_test
# named: beta multiplies the reconstruction
# %% loss_answer
def linear_vae_loss(model, x, beta=1.0):
    mu = model.encoder(x)
    rec = expected_reconstruction(x, mu, model.logvar, model.decoder.weight, model.decoder.bias, model.sigma2).mean()
    kl = 0.5 * (mu.pow(2) + model.logvar.exp() - 1 - model.logvar).mean(0)
    return beta * rec + kl.sum(), rec, kl
