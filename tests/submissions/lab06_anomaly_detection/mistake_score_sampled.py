# base: solution
# mistake: a sampled z decoded (scores change between calls)
# caught: visible score_test
# named: two calls on the same cells gave different scores
# %% score_answer
def deviance_score(model, x):
    model.eval()
    with torch.no_grad():
        z_mu, z_logvar = model.encode(x)
        mu = model.decode(vae.reparameterize(z_mu, z_logvar), x.sum(1))
        theta = torch.exp(model.log_theta)
        return 2 * (nb_log_prob(x, x, theta) - nb_log_prob(x, mu, theta)).sum(1)
