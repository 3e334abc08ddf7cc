# base: solution
# mistake: pairs compared with > (a tie counts 0)
# caught: visible auroc_test
# named: a tie counted 0
# %% auroc_answer
def auroc(healthy_scores, anomalous_scores):
    h = np.asarray(healthy_scores, dtype=float).ravel()
    a = np.asarray(anomalous_scores, dtype=float).ravel()
    return float((a[:, None] > h[None, :]).mean())
