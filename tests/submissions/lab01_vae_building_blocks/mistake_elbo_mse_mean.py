# base: solution
# mistake: F.mse_loss's default mean for the Gaussian reconstruction
# caught: visible elbo_test
# named: F.mse_loss averages over features
# %% elbo_answer
def negative_elbo(output, x, mu, logvar, likelihood="bernoulli", beta=1.0):
    if likelihood == "bernoulli":
        rec = F.binary_cross_entropy_with_logits(output, x, reduction="none").sum(dim=1)
    elif likelihood == "mse":
        rec = F.mse_loss(output, x, reduction='none').mean(dim=1) * 1
    else:
        raise ValueError(likelihood)
    rec = rec.mean()
    kl = kl_divergence(mu, logvar, reduction="mean")
    return rec + beta * kl, rec, kl
