# base: solution
# mistake: + logvar instead of - logvar
# caught: visible kl_test
# named: the sign of the logvar term is wrong
# %% kl_answer
def kl_divergence(mu, logvar, reduction="sum"):
    per_sample = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 + logvar).sum(dim=1)
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "mean":
        return per_sample.mean()
    raise ValueError(reduction)
