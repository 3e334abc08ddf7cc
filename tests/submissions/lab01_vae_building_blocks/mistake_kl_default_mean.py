# base: solution
# mistake: the default reduction is 'mean' instead of 'sum'
# caught: hidden kl_test
# named: default reduction is 'sum'
# %% kl_answer
def kl_divergence(mu, logvar, reduction="mean"):
    per_sample = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "mean":
        return per_sample.mean()
    raise ValueError(reduction)
