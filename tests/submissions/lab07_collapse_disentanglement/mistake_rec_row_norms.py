# base: solution
# mistake: squared row norms of W (sum over dim 1) instead of column norms
# caught: visible expectation_test
# named: the squared norm of column i
# %% expectation_answer
def expected_reconstruction(x, mu, logvar, weight, bias, sigma2):
    residual = ((x - mu @ weight.T - bias) ** 2).sum(1)
    spread = (logvar.exp() * (weight ** 2).sum(1)).sum(-1)
    return (residual + spread) / (2 * sigma2)
