# base: solution
# mistake: the encoder-variance term sum_i s_i^2 ||w_i||^2 is left out
# caught: visible expectation_test
# named: the encoder's variance term is missing
# %% expectation_answer
def expected_reconstruction(x, mu, logvar, weight, bias, sigma2):
    residual = ((x - mu @ weight.T - bias) ** 2).sum(1)
    spread = 0.0
    return (residual + spread) / (2 * sigma2)
