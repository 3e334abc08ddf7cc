# base: solution
# mistake: the -lgamma(x + 1) term left out
# caught: visible nb_test
# named: lgamma(x + 1) term
# %% nb_answer
def nb_log_prob(x, mu, theta, eps=1e-8):
    log_theta_mu = torch.log(theta + mu + eps)
    return (torch.lgamma(x + theta) - torch.lgamma(theta)
            + theta * (torch.log(theta + eps) - log_theta_mu) + x * (torch.log(mu + eps) - log_theta_mu))
