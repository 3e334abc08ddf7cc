# base: solution
# mistake: ||w_i||^2 weighted by exp(logvar / 2) instead of exp(logvar)
# caught: visible expectation_test
# named: weighted ||w_i||^2 by the standard deviation
# %% expectation_answer
def expected_reconstruction(x, mu, logvar, weight, bias, sigma2):
    residual = ((x - mu @ weight.T - bias) ** 2).sum(1)
    spread = (torch.exp(0.5 * logvar) * (weight ** 2).sum(0)).sum(-1)
    return (residual + spread) / (2 * sigma2)
