# base: solution
# mistake: no division by 2 sigma2
# caught: visible expectation_test
# named: the division by 2 sigma2 is missing
# %% expectation_answer
def expected_reconstruction(x, mu, logvar, weight, bias, sigma2):
    residual = ((x - mu @ weight.T - bias) ** 2).sum(1)
    spread = (logvar.exp() * (weight ** 2).sum(0)).sum(-1)
    return residual + spread
