# base: solution
# mistake: parents' alleles pooled into one frequency (m + f) / 4, then HWE
# caught: visible mendel_test
# named: pooled
# %% mendel_answer
def mendel_probabilities(mother, father):
    a = (torch.as_tensor(mother).double() + torch.as_tensor(father).double()) / 4
    return torch.stack([(1 - a) ** 2, 2 * a * (1 - a), a ** 2], -1)
