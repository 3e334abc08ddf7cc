# base: solution
# mistake: mild minus severe
# caught: visible direction_test
# named: points the wrong way
# %% direction_answer
def severity_direction(mu, severity, quantile=0.25):
    low, high = torch.quantile(severity, quantile), torch.quantile(severity, 1 - quantile)
    diff = mu[severity <= low].mean(0) - mu[severity >= high].mean(0)
    return diff / diff.norm()
