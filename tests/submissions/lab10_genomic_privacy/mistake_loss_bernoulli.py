# base: solution
# mistake: binary cross-entropy on one-hot genotypes instead of a categorical cross-entropy
# caught: visible loss_test
# named: binary cross-entropy per genotype class
# %% loss_answer
def genotype_vae_loss(model, genotypes, beta=1.0):
    mu, logvar = model.encode(genotypes)
    logits = model.decode(vae.reparameterize(mu, logvar))
    rec = F.binary_cross_entropy_with_logits(logits, F.one_hot(genotypes, 3).float(), reduction="sum") / len(genotypes)
    kl = vae.kl_divergence(mu, logvar, reduction="mean")
    return rec + beta * kl, rec, kl
