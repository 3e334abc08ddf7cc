# base: solution
# mistake: KL averaged over latent dimensions
# caught: visible kl_test
# named: you averaged over the latent dimensions
# %% kl_answer
def kl_divergence(mu, logvar, reduction="sum"):
    per_sample = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).mean(dim=1)
    if reduction == "none":
        return per_sample
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "mean":
        return per_sample.mean()
    raise ValueError(reduction)
