# base: solution
# mistake: the per-latent KL is summed over the batch
# caught: visible loss_test
# named: the KL is summed over the batch
# %% loss_answer
def linear_vae_loss(model, x, beta=1.0):
    mu = model.encoder(x)
    rec = expected_reconstruction(x, mu, model.logvar, model.decoder.weight, model.decoder.bias, model.sigma2).mean()
    kl = 0.5 * (mu.pow(2) + model.logvar.exp() - 1 - model.logvar).sum(0)
    return rec + beta * kl.sum(), rec, kl
