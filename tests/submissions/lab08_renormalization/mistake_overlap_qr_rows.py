# base: solution
# mistake: QR of a and b instead of their transposes
# caught: visible overlap_test
# named: take the QR of the transposes
# %% overlap_answer
def subspace_overlap(a, b):
    qa = torch.linalg.qr(a.double()).Q
    qb = torch.linalg.qr(b.double()).Q
    cosines = torch.linalg.svdvals(qa.T @ qb)
    return float((cosines ** 2).sum() / min(qa.shape[1], qb.shape[1]))
