# base: solution
# mistake: stacked along dim 0: shape (3, n, n_snps)
# caught: visible mendel_test
# named: along the last axis
# %% mendel_answer
def mendel_probabilities(mother, father):
    a, b = torch.as_tensor(mother).double() / 2, torch.as_tensor(father).double() / 2
    return torch.stack([(1 - a) * (1 - b), a * (1 - b) + (1 - a) * b, a * b])
