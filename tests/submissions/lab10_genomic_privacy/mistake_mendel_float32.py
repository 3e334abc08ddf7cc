# base: solution
# mistake: integer genotypes / 2 left in float32
# caught: visible mendel_test
# named: float32
# %% mendel_answer
def mendel_probabilities(mother, father):
    a, b = mother / 2, father / 2
    return torch.stack([(1 - a) * (1 - b), a * (1 - b) + (1 - a) * b, a * b], -1)
