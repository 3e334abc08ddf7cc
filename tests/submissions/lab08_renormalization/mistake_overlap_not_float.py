# base: solution
# mistake: returns a tensor instead of a float
# caught: visible overlap_test
# named: return a Python float
# %% overlap_answer
def subspace_overlap(a, b):
    qa = torch.linalg.qr(a.double().T).Q
    qb = torch.linalg.qr(b.double().T).Q
    cosines = torch.linalg.svdvals(qa.T @ qb)
    return (cosines ** 2).sum() / min(qa.shape[1], qb.shape[1])
