# base: solution
# mistake: P(c = 1) = a(1-b) only, the (1-a)b term missing
# caught: visible mendel_test
# named: only one term
# %% mendel_answer
def mendel_probabilities(mother, father):
    a, b = torch.as_tensor(mother).double() / 2, torch.as_tensor(father).double() / 2
    return torch.stack([(1 - a) * (1 - b), a * (1 - b), a * b], -1)
