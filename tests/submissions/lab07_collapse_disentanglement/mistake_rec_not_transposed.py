# base: solution
# mistake: decoded mean mu @ weight instead of mu @ weight.T
# caught: visible expectation_test
# named: mu @ weight.T + bias
# %% expectation_answer
def expected_reconstruction(x, mu, logvar, weight, bias, sigma2):
    residual = ((x - mu @ weight - bias) ** 2).sum(1)
    spread = (logvar.exp() * (weight ** 2).sum(0)).sum(-1)
    return (residual + spread) / (2 * sigma2)
