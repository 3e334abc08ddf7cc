# base: solution
# mistake: the KL summed over the batch while the reconstruction is averaged
# caught: visible elbo_test
# named: the KL is summed over the batch
# %% elbo_answer
def negative_elbo(output, x, mu, logvar, likelihood="bernoulli", beta=1.0):
    if likelihood == "bernoulli":
        rec = F.binary_cross_entropy_with_logits(output, x, reduction="none").sum(dim=1)
    elif likelihood == "mse":
        rec = (output - x).pow(2).sum(dim=1)
    else:
        raise ValueError(likelihood)
    rec = rec.mean()
    kl = kl_divergence(mu, logvar, reduction="sum")
    return rec + beta * kl, rec, kl
