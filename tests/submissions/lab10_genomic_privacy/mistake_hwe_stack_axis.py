# base: solution
# mistake: stacked along dim 0: shape (3, *p.shape)
# caught: visible hwe_test
# named: along the last axis
# %% hwe_answer
def hwe_genotype_probs(p):
    p = torch.as_tensor(p, dtype=torch.float64)
    return torch.stack([(1 - p) ** 2, 2 * p * (1 - p), p ** 2])
