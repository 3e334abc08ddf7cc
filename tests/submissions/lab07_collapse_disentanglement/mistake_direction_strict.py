# base: solution
# mistake: strict inequalities leave out the samples at the thresholds
# caught: visible direction_test
# named: a sample exactly at a threshold is left out
# %% direction_answer
def severity_direction(mu, severity, quantile=0.25):
    low, high = torch.quantile(severity, quantile), torch.quantile(severity, 1 - quantile)
    diff = mu[severity > high].mean(0) - mu[severity < low].mean(0)
    return diff / diff.norm()
