# base: solution
# One piece broken: the expected reconstruction forgets the encoder's variance (the residual at the mean only).
# %% expectation_answer
def expected_reconstruction(x, mu, logvar, weight, bias, sigma2):
    return ((x - mu @ weight.T - bias) ** 2).sum(1) / (2 * sigma2)
