# base: solution
# Two broken answers whose tests are tampered with, and inflated points elsewhere.
# Graded as if untouched: the broken pieces score 0 and the maximum stays the same.
# %% mendel_answer
def mendel_probabilities(mother, father):
    a = (torch.as_tensor(mother).double() + torch.as_tensor(father).double()) / 4  # wrong: pools the parents' alleles
    return torch.stack([(1 - a) ** 2, 2 * a * (1 - a), a ** 2], -1)
# %% mendel_test
pass
# %% loss_answer
def genotype_vae_loss(model, genotypes, beta=1.0):
    mu, logvar = model.encode(genotypes)
    logits = model.decode(vae.reparameterize(mu, logvar))
    rec = F.cross_entropy(logits.reshape(-1, 3), genotypes.reshape(-1))  # wrong: mean over variants, not the sum
    kl = vae.kl_divergence(mu, logvar, reduction="mean")
    return rec + beta * kl, rec, kl
# %% loss_test delete
# %% hwe_test points=100
