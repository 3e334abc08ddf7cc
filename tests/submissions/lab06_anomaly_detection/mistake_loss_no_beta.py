# base: solution
# mistake: beta ignored (loss = rec + kl)
# caught: visible loss_test
# named: beta is ignored
# %% loss_answer
def nb_vae_loss(model, x, beta=1.0):
    z_mu, z_logvar = model.encode(x)
    mu = model.decode(vae.reparameterize(z_mu, z_logvar), x.sum(1))
    rec = -nb_log_prob(x, mu, torch.exp(model.log_theta)).sum(1).mean()
    kl = vae.kl_divergence(z_mu, z_logvar, reduction="mean")
    return rec + kl, rec, kl
