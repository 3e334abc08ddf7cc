# base: solution
# mistake: cos^2 averaged over max(p, q)
# caught: visible overlap_test
# named: you averaged over max(p, q) angles
# %% overlap_answer
def subspace_overlap(a, b):
    qa = torch.linalg.qr(a.double().T).Q
    qb = torch.linalg.qr(b.double().T).Q
    cosines = torch.linalg.svdvals(qa.T @ qb)
    return float((cosines ** 2).sum() / max(qa.shape[1], qb.shape[1]))
