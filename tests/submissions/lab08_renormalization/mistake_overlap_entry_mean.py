# base: solution
# mistake: mean of the squared entries of Q_A^T Q_B over p * q
# caught: visible overlap_test
# named: over all p * q entries
# %% overlap_answer
def subspace_overlap(a, b):
    qa = torch.linalg.qr(a.double().T).Q
    qb = torch.linalg.qr(b.double().T).Q
    return float(((qa.T @ qb) ** 2).mean())
