# base: solution
# mistake: beta on the reconstruction
# caught: visible elbo_test
# named: beta multiplies the reconstruction
# %% elbo_answer
def negative_elbo(output, x, mu, logvar, likelihood="bernoulli", beta=1.0):
    if likelihood == "bernoulli":
        rec = F.binary_cross_entropy_with_logits(output, x, reduction="none").sum(dim=1)
    elif likelihood == "mse":
        rec = (output - x).pow(2).sum(dim=1)
    else:
        raise ValueError(likelihood)
    rec = rec.mean()
    kl = kl_divergence(mu, logvar, reduction="mean")
    return beta * rec + kl, rec, kl
