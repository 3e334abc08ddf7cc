# base: solution
# mistake: the KL subtracted
# caught: visible elbo_test
# named: the KL is subtracted
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
    return rec - beta * kl, rec, kl
