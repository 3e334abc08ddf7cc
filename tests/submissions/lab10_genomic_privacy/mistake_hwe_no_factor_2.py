# base: solution
# mistake: heterozygote probability p(1-p) without the 2
# caught: visible hwe_test
# named: there are two ways
# %% hwe_answer
def hwe_genotype_probs(p):
    p = torch.as_tensor(p, dtype=torch.float64)
    return torch.stack([(1 - p) ** 2, p * (1 - p), p ** 2], -1)
