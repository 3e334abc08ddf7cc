# base: solution
# mistake: ||w_i||^2 weighted by logvar (no exp)
# caught: visible expectation_test
# named: exp is missing on the variance
# %% expectation_answer
def expected_reconstruction(x, mu, logvar, weight, bias, sigma2):
    residual = ((x - mu @ weight.T - bias) ** 2).sum(1)
    spread = (logvar * (weight ** 2).sum(0)).sum(-1)
    return (residual + spread) / (2 * sigma2)
