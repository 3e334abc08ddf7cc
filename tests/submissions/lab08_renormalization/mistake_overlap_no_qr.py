# base: solution
# mistake: singular values of a @ b.T without orthonormalising
# caught: visible overlap_test
# named: the rows were not orthonormalised
# %% overlap_answer
def subspace_overlap(a, b):
    qa = a.double().T
    qb = b.double().T
    cosines = torch.linalg.svdvals(qa.T @ qb)
    return float((cosines ** 2).mean())
