# base: solution
# mistake: each group averaged over latent dimensions (dim 1)
# caught: visible direction_test
# named: average the codes over the samples
# %% direction_answer
def severity_direction(mu, severity, quantile=0.25):
    low, high = torch.quantile(severity, quantile), torch.quantile(severity, 1 - quantile)
    diff = mu[severity >= high].mean(1) - mu[severity <= low].mean(1)
    return diff / diff.norm()
