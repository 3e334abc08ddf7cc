# base: solution
# mistake: re.findall: unknown characters skipped silently
# caught: visible tokenize_test
# named: skipped silently
# %% tokenize_answer
def tokenize(smiles_string):
    pattern = (r"(\[[^\[\]]+\]|Br|Cl|B|C|N|O|S|P|F|I|b|c|n|o|s|p"
               r"|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9])")
    return re.findall(pattern, smiles_string)
