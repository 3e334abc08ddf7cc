# base: solution
# mistake: transmission probability g instead of g / 2
# caught: visible mendel_test
# named: probability g / 2
# %% mendel_answer
def mendel_probabilities(mother, father):
    a, b = torch.as_tensor(mother).double(), torch.as_tensor(father).double()
    return torch.stack([(1 - a) * (1 - b), a * (1 - b) + (1 - a) * b, a * b], -1)
