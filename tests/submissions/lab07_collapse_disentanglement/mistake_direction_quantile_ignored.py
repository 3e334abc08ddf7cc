# base: solution
# mistake: the quantile argument is ignored (0.25 always)
# caught: visible direction_test
# named: the quantile argument is ignored
# %% direction_answer
def severity_direction(mu, severity, quantile=0.25):
    low, high = torch.quantile(severity, 0.25), torch.quantile(severity, 0.75)
    diff = mu[severity >= high].mean(0) - mu[severity <= low].mean(0)
    return diff / diff.norm()
