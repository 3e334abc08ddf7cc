# base: solution
# mistake: squared residual averaged over features
# caught: visible expectation_test
# named: averaged the squared residual over the d features
# %% expectation_answer
def expected_reconstruction(x, mu, logvar, weight, bias, sigma2):
    residual = ((x - mu @ weight.T - bias) ** 2).mean(1)
    spread = (logvar.exp() * (weight ** 2).sum(0)).sum(-1)
    return (residual + spread) / (2 * sigma2)
