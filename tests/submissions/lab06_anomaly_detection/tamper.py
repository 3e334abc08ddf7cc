# base: solution
# Two broken answers whose tests are tampered with, and inflated points elsewhere.
# Graded as if untouched: the broken pieces score 0 and the maximum stays the same.
# %% nb_answer
def nb_log_prob(x, mu, theta, eps=1e-8):
    return x * torch.log(mu + eps) - mu - torch.lgamma(x + 1)  # wrong: Poisson, ignores theta
# %% nb_test
pass
# %% auroc_answer
def auroc(healthy_scores, anomalous_scores):
    h, a = np.asarray(healthy_scores, dtype=float), np.asarray(anomalous_scores, dtype=float)
    return float((a[:, None] > h[None, :]).mean())  # wrong: ties count 0, not 1/2
# %% auroc_test delete
# %% threshold_test points=100
