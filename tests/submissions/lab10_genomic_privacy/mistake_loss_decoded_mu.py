# base: solution
# mistake: decodes mu instead of a sample z
# caught: visible loss_test
# named: you decoded mu
# %% loss_answer
def genotype_vae_loss(model, genotypes, beta=1.0):
    mu, logvar = model.encode(genotypes)
    logits = model.decode(mu)
    rec = F.cross_entropy(logits.reshape(-1, 3), genotypes.reshape(-1), reduction="sum") / len(genotypes)
    kl = vae.kl_divergence(mu, logvar, reduction="mean")
    return rec + beta * kl, rec, kl
