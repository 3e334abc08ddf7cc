# base: solution
# mistake: the Poisson log-probability (theta ignored)
# caught: visible nb_test
# named: Poisson
# %% nb_answer
def nb_log_prob(x, mu, theta, eps=1e-8):
    return x * torch.log(mu + eps) - mu - torch.lgamma(x + 1)
