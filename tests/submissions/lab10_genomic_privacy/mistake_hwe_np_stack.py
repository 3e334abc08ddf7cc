# base: solution
# mistake: np.stack: returns a NumPy array, not a tensor
# caught: visible hwe_test
# named: return a torch tensor
# %% hwe_answer
def hwe_genotype_probs(p):
    p = np.asarray(p, dtype=float)
    return np.stack([(1 - p) ** 2, 2 * p * (1 - p), p ** 2], -1)
