# base: solution
# mistake: reduction='mean' averages every entry instead of the per-sample KLs
# caught: visible kl_test
# named: reduction='mean' averages over the batch only
# %% kl_answer
def kl_divergence(mu, logvar, reduction="sum"):
    per_entry = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar)
    if reduction == "none":
        return per_entry.sum(dim=1)
    if reduction == "sum":
        return per_entry.sum()
    if reduction == "mean":
        return per_entry.mean()
    raise ValueError(reduction)
