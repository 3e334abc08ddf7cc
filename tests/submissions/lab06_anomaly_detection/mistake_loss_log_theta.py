# base: solution
# mistake: model.log_theta used as theta (no exp)
# caught: visible loss_test
# named: you used model.log_theta as theta
# %% loss_answer
def nb_vae_loss(model, x, beta=1.0):
    z_mu, z_logvar = model.encode(x)
    mu = model.decode(vae.reparameterize(z_mu, z_logvar), x.sum(1))
    rec = -nb_log_prob(x, mu, model.log_theta).sum(1).mean()
    kl = vae.kl_divergence(z_mu, z_logvar, reduction="mean")
    return rec + beta * kl, rec, kl
