# base: solution
# mistake: log x! written as lgamma(x)
# caught: visible nb_test
# named: log x! is lgamma(x + 1), not lgamma(x)
# %% nb_answer
def nb_log_prob(x, mu, theta, eps=1e-8):
    log_theta_mu = torch.log(theta + mu + eps)
    return (torch.lgamma(x + theta) - torch.lgamma(theta) - torch.lgamma(x)
            + theta * (torch.log(theta + eps) - log_theta_mu) + x * (torch.log(mu + eps) - log_theta_mu))
