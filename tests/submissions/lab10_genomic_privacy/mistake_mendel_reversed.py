# base: solution
# mistake: probabilities in reverse order (P(c = 2) first)
# caught: visible mendel_test
# named: reverse order
# %% mendel_answer
def mendel_probabilities(mother, father):
    a, b = torch.as_tensor(mother).double() / 2, torch.as_tensor(father).double() / 2
    return torch.stack([a * b, a * (1 - b) + (1 - a) * b, (1 - a) * (1 - b)], -1)
