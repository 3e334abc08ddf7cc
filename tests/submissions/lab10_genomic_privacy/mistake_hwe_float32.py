# base: solution
# mistake: float32 result for a float32 input (no conversion to float64)
# caught: visible hwe_test
# named: float32
# %% hwe_answer
def hwe_genotype_probs(p):
    p = torch.as_tensor(p)
    return torch.stack([(1 - p) ** 2, 2 * p * (1 - p), p ** 2], -1)
