# base: solution
# mistake: no eps inside the logarithms (0 * log 0 = nan at mu = 0)
# caught: visible nb_test
# named: add eps inside each logarithm
# %% nb_answer
def nb_log_prob(x, mu, theta, eps=1e-8):
    log_theta_mu = torch.log(theta + mu)
    return (torch.lgamma(x + theta) - torch.lgamma(theta) - torch.lgamma(x + 1)
            + theta * (torch.log(theta) - log_theta_mu) + x * (torch.log(mu) - log_theta_mu))
