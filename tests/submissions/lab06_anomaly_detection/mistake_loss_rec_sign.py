# base: solution
# mistake: the reconstruction is +log-likelihood (sign missing)
# caught: visible loss_test
# named: the reconstruction has the wrong sign
# %% loss_answer
def nb_vae_loss(model, x, beta=1.0):
    z_mu, z_logvar = model.encode(x)
    mu = model.decode(vae.reparameterize(z_mu, z_logvar), x.sum(1))
    rec = nb_log_prob(x, mu, torch.exp(model.log_theta)).sum(1).mean()
    kl = vae.kl_divergence(z_mu, z_logvar, reduction="mean")
    return rec + beta * kl, rec, kl
