# base: solution
# mistake: KL with reduction='sum'
# caught: visible loss_test
# named: KL is summed over the batch
# %% loss_answer
def genotype_vae_loss(model, genotypes, beta=1.0):
    mu, logvar = model.encode(genotypes)
    logits = model.decode(vae.reparameterize(mu, logvar))
    rec = F.cross_entropy(logits.reshape(-1, 3), genotypes.reshape(-1), reduction="sum") / len(genotypes)
    kl = vae.kl_divergence(mu, logvar, reduction="sum")
    return rec + beta * kl, rec, kl
