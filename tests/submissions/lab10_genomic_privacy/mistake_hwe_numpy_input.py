# base: solution
# mistake: p.double() fails on a NumPy array
# caught: visible hwe_test
# named: fails on a NumPy array
# %% hwe_answer
def hwe_genotype_probs(p):
    p = p.double()
    return torch.stack([(1 - p) ** 2, 2 * p * (1 - p), p ** 2], -1)
