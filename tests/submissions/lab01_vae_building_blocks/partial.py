# base: solution
# One piece broken: the MSE branch averages over features instead of summing.
# %% elbo_answer
def negative_elbo(output, x, mu, logvar, likelihood="bernoulli", beta=1.0):
    if likelihood == "bernoulli":
        rec = F.binary_cross_entropy_with_logits(output, x, reduction="none").sum(dim=1)
    else:
        rec = (output - x).pow(2).mean(dim=1)
    rec = rec.mean()
    kl = kl_divergence(mu, logvar, reduction="mean")
    return rec + beta * kl, rec, kl
