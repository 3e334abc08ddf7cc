# base: solution
# mistake: sigmoid then F.binary_cross_entropy instead of BCE with logits (torch clamps the log at -100)
# caught: hidden elbo_test
# named: sigmoid then F.binary_cross_entropy
# %% elbo_answer
def negative_elbo(output, x, mu, logvar, likelihood="bernoulli", beta=1.0):
    if likelihood == "bernoulli":
        rec = F.binary_cross_entropy(torch.sigmoid(output), x, reduction="none").sum(dim=1)
    elif likelihood == "mse":
        rec = (output - x).pow(2).sum(dim=1)
    else:
        raise ValueError(likelihood)
    rec = rec.mean()
    kl = kl_divergence(mu, logvar, reduction="mean")
    return rec + beta * kl, rec, kl
