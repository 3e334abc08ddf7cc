# base: solution
# mistake: the mu^2 term left out
# caught: visible kl_test
# named: the mu^2 term is missing
# %% kl_answer
def kl_divergence(mu, logvar, reduction="sum"):
    per_sample = 0.5 * (logvar.exp() - 1.0 - logvar).sum(dim=1)
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "mean":
        return per_sample.mean()
    raise ValueError(reduction)
