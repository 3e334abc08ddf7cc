# base: solution
# mistake: averaged over genes instead of summed
# caught: visible score_test
# named: you averaged over genes
# %% score_answer
def deviance_score(model, x):
    model.eval()
    with torch.no_grad():
        z_mu, z_logvar = model.encode(x)
        mu = model.decode(z_mu, x.sum(1))
        theta = torch.exp(model.log_theta)
        return 2 * (nb_log_prob(x, x, theta) - nb_log_prob(x, mu, theta)).mean(1)
