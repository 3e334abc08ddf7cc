# base: solution
# mistake: sum of cos^2, not divided by min(p, q)
# caught: visible overlap_test
# named: you summed cos^2 without dividing
# %% overlap_answer
def subspace_overlap(a, b):
    qa = torch.linalg.qr(a.double().T).Q
    qb = torch.linalg.qr(b.double().T).Q
    cosines = torch.linalg.svdvals(qa.T @ qb)
    return float((cosines ** 2).sum())
