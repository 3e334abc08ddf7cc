# base: solution
# mistake: [0-9]+: several ring digits as one token
# caught: visible tokenize_test
# named: each ring-closure digit is its own token
# %% tokenize_answer
def tokenize(smiles_string):
    pattern = (r"(\[[^\[\]]+\]|Br|Cl|B|C|N|O|S|P|F|I|b|c|n|o|s|p"
               r"|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9]+)")
    tokens, pos = [], 0
    for match in re.finditer(pattern, smiles_string):
        if match.start() != pos:
            break
        tokens.append(match.group())
        pos = match.end()
    if pos != len(smiles_string):
        raise ValueError(f"cannot tokenize {smiles_string!r}: {smiles_string[pos]!r} at position {pos}")
    return tokens
