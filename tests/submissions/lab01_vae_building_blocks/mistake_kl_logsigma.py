# base: solution
# mistake: logvar treated as log(sigma)
# caught: visible kl_test
# named: you treated logvar as log(sigma)
# %% kl_answer
def kl_divergence(mu, logvar, reduction="sum"):
    per_sample = 0.5 * (mu.pow(2) + torch.exp(2 * logvar) - 1.0 - 2 * logvar).sum(dim=1)
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "mean":
        return per_sample.mean()
    raise ValueError(reduction)
