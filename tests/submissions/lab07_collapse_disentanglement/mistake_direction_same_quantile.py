# base: solution
# mistake: both tails cut at the same quantile
# caught: visible direction_test
# named: both tails use the same threshold
# %% direction_answer
def severity_direction(mu, severity, quantile=0.25):
    low, high = torch.quantile(severity, quantile), torch.quantile(severity, quantile)
    diff = mu[severity >= high].mean(0) - mu[severity <= low].mean(0)
    return diff / diff.norm()
