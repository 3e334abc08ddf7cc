# base: solution
# mistake: z = mu (no sampling at all)
# caught: visible reparameterize_test
# named: no noise is added
# %% reparameterize_answer
def reparameterize(mu, logvar):
    return mu + 0 * logvar
