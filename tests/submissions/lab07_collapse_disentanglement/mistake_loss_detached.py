# base: solution
# mistake: the loss is computed under torch.no_grad()
# caught: visible loss_test
# named: carries no gradient
# %% loss_answer
def linear_vae_loss(model, x, beta=1.0):
    with torch.no_grad():
        mu = model.encoder(x)
        rec = expected_reconstruction(x, mu, model.logvar, model.decoder.weight, model.decoder.bias,
                                      model.sigma2).mean()
        kl = 0.5 * (mu.pow(2) + model.logvar.exp() - 1 - model.logvar).mean(0)
        return rec + beta * kl.sum(), rec, kl
