# base: solution
# mistake: theta * log(theta) - log(theta + mu): the parentheses left out
# caught: visible nb_test
# named: parentheses are missing
# %% nb_answer
def nb_log_prob(x, mu, theta, eps=1e-8):
    return (torch.lgamma(x + theta) - torch.lgamma(theta) - torch.lgamma(x + 1)
            + theta * torch.log(theta + eps) - torch.log(theta + mu + eps)
            + x * torch.log(mu + eps) - torch.log(theta + mu + eps))
