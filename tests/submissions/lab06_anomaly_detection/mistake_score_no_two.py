# base: solution
# mistake: the factor 2 left out
# caught: visible score_test
# named: the factor 2
# %% score_answer
def deviance_score(model, x):
    model.eval()
    with torch.no_grad():
        z_mu, z_logvar = model.encode(x)
        mu = model.decode(z_mu, x.sum(1))
        theta = torch.exp(model.log_theta)
        return (nb_log_prob(x, x, theta) - nb_log_prob(x, mu, theta)).sum(1)
