# base: solution
# mistake: mean of the cosines, not of their squares
# caught: visible overlap_test
# named: the mean of their squares
# %% overlap_answer
def subspace_overlap(a, b):
    qa = torch.linalg.qr(a.double().T).Q
    qb = torch.linalg.qr(b.double().T).Q
    cosines = torch.linalg.svdvals(qa.T @ qb)
    return float(cosines.sum() / min(qa.shape[1], qb.shape[1]))
