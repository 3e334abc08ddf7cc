# base: solution
# mistake: pairs compared with >= (a tie counts 1)
# caught: visible auroc_test
# named: a tie counted 1
# %% auroc_answer
def auroc(healthy_scores, anomalous_scores):
    h = np.asarray(healthy_scores, dtype=float).ravel()
    a = np.asarray(anomalous_scores, dtype=float).ravel()
    return float((a[:, None] >= h[None, :]).mean())
