# base: solution
# mistake: scored outside torch.no_grad()
# caught: visible score_test
# named: torch.no_grad()
# %% score_answer
def deviance_score(model, x):
    model.eval()
    z_mu, _ = model.encode(x)
    mu = model.decode(z_mu, x.sum(1))
    theta = torch.exp(model.log_theta)
    return 2 * (nb_log_prob(x, x, theta) - nb_log_prob(x, mu, theta)).sum(1)
