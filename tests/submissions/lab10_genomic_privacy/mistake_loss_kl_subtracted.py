# base: solution
# mistake: loss = rec - beta * kl
# caught: visible loss_test
# named: the KL is subtracted
# %% loss_answer
def genotype_vae_loss(model, genotypes, beta=1.0):
    mu, logvar = model.encode(genotypes)
    logits = model.decode(vae.reparameterize(mu, logvar))
    rec = F.cross_entropy(logits.reshape(-1, 3), genotypes.reshape(-1), reduction="sum") / len(genotypes)
    kl = vae.kl_divergence(mu, logvar, reduction="mean")
    return rec - beta * kl, rec, kl
