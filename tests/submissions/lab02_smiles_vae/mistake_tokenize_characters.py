# base: solution
# mistake: one token per character
# caught: visible tokenize_test
# named: you split the string into characters
# %% tokenize_answer
def tokenize(smiles_string):
    return list(smiles_string)
