# base: solution
# mistake: theta used as the dispersion (1/theta where theta goes)
# caught: visible nb_test
# named: you used theta as the dispersion
# %% nb_answer
def nb_log_prob(x, mu, theta, eps=1e-8):
    r = 1 / theta
    log_r_mu = torch.log(r + mu + eps)
    return (torch.lgamma(x + r) - torch.lgamma(r) - torch.lgamma(x + 1)
            + r * (torch.log(r + eps) - log_r_mu) + x * (torch.log(mu + eps) - log_r_mu))
