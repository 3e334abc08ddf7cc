# base: solution
# mistake: the KL is summed over latents (a scalar, not one per latent)
# caught: visible loss_test
# named: do not sum over the latents
# %% loss_answer
def linear_vae_loss(model, x, beta=1.0):
    mu = model.encoder(x)
    rec = expected_reconstruction(x, mu, model.logvar, model.decoder.weight, model.decoder.bias, model.sigma2).mean()
    kl = 0.5 * (mu.pow(2) + model.logvar.exp() - 1 - model.logvar).mean(0).sum()
    return rec + beta * kl, rec, kl
