# base: solution
# mistake: severity compared with the quantile level (severity >= 1 - quantile)
# caught: visible direction_test
# named: compared severity with the quantile level itself
# %% direction_answer
def severity_direction(mu, severity, quantile=0.25):
    low, high = quantile, 1 - quantile
    diff = mu[severity >= high].mean(0) - mu[severity <= low].mean(0)
    return diff / diff.norm()
