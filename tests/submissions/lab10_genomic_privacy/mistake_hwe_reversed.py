# base: solution
# mistake: probabilities in reverse order (p^2 first)
# caught: visible hwe_test
# named: reverse order
# %% hwe_answer
def hwe_genotype_probs(p):
    p = torch.as_tensor(p, dtype=torch.float64)
    return torch.stack([p ** 2, 2 * p * (1 - p), (1 - p) ** 2], -1)
