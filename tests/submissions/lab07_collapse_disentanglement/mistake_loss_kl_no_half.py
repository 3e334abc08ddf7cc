# base: solution
# mistake: the KL lacks its 1/2
# caught: visible loss_test
# named: the 1/2 in front of the KL is missing
# %% loss_answer
def linear_vae_loss(model, x, beta=1.0):
    mu = model.encoder(x)
    rec = expected_reconstruction(x, mu, model.logvar, model.decoder.weight, model.decoder.bias, model.sigma2).mean()
    kl = (mu.pow(2) + model.logvar.exp() - 1 - model.logvar).mean(0)
    return rec + beta * kl.sum(), rec, kl
