# base: solution
# mistake: returns the batch mean, not one value per sample
# caught: visible expectation_test
# named: you averaged over the samples
# %% expectation_answer
def expected_reconstruction(x, mu, logvar, weight, bias, sigma2):
    residual = ((x - mu @ weight.T - bias) ** 2).sum(1)
    spread = (logvar.exp() * (weight ** 2).sum(0)).sum(-1)
    return ((residual + spread) / (2 * sigma2)).mean()
