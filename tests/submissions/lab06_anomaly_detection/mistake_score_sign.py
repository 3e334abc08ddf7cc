# base: solution
# mistake: model minus perfect fit (a negative deviance)
# caught: visible score_test
# named: the difference is the wrong way round
# %% score_answer
def deviance_score(model, x):
    model.eval()
    with torch.no_grad():
        z_mu, z_logvar = model.encode(x)
        mu = model.decode(z_mu, x.sum(1))
        theta = torch.exp(model.log_theta)
        return 2 * (nb_log_prob(x, mu, theta) - nb_log_prob(x, x, theta)).sum(1)
