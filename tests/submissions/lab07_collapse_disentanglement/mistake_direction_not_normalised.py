# base: solution
# mistake: the difference of the means is not divided by its norm
# caught: visible direction_test
# named: not scaled to length 1
# %% direction_answer
def severity_direction(mu, severity, quantile=0.25):
    low, high = torch.quantile(severity, quantile), torch.quantile(severity, 1 - quantile)
    diff = mu[severity >= high].mean(0) - mu[severity <= low].mean(0)
    return diff
