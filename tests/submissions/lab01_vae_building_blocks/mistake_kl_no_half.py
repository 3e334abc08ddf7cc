# base: solution
# mistake: KL without the 1/2
# caught: visible kl_test
# named: the 1/2 in front of the sum is missing
# %% kl_answer
def kl_divergence(mu, logvar, reduction="sum"):
    per_sample = (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(dim=1)
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "mean":
        return per_sample.mean()
    raise ValueError(reduction)
