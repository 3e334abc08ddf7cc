# base: solution
# mistake: F.cross_entropy's default mean over variants and people
# caught: visible loss_test
# named: averaged over variants
# %% loss_answer
def genotype_vae_loss(model, genotypes, beta=1.0):
    mu, logvar = model.encode(genotypes)
    logits = model.decode(vae.reparameterize(mu, logvar))
    rec = F.cross_entropy(logits.reshape(-1, 3), genotypes.reshape(-1))
    kl = vae.kl_divergence(mu, logvar, reduction="mean")
    return rec + beta * kl, rec, kl
