# base: solution
# mistake: the negative log-likelihood instead of the deviance
# caught: visible score_test
# named: you scored the negative log-likelihood
# %% score_answer
def deviance_score(model, x):
    model.eval()
    with torch.no_grad():
        z_mu, z_logvar = model.encode(x)
        mu = model.decode(z_mu, x.sum(1))
        theta = torch.exp(model.log_theta)
        return -nb_log_prob(x, mu, theta).sum(1)
