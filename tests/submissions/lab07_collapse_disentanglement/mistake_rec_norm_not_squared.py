# base: solution
# mistake: the residual's norm, not its square
# caught: visible expectation_test
# named: the residual's norm is not squared
# %% expectation_answer
def expected_reconstruction(x, mu, logvar, weight, bias, sigma2):
    residual = (x - mu @ weight.T - bias).norm(dim=1)
    spread = (logvar.exp() * (weight ** 2).sum(0)).sum(-1)
    return (residual + spread) / (2 * sigma2)
