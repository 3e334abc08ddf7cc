# base: solution
# mistake: + lgamma(theta) instead of - lgamma(theta)
# caught: visible nb_test
# named: the sign of lgamma(theta)
# %% nb_answer
def nb_log_prob(x, mu, theta, eps=1e-8):
    log_theta_mu = torch.log(theta + mu + eps)
    return (torch.lgamma(x + theta) + torch.lgamma(theta) - torch.lgamma(x + 1)
            + theta * (torch.log(theta + eps) - log_theta_mu) + x * (torch.log(mu + eps) - log_theta_mu))
