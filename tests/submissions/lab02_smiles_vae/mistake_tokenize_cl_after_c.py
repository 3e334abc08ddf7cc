# base: solution
# mistake: C and B tried before Cl and Br
# caught: visible tokenize_test
# named: put Cl and Br before C and B
# %% tokenize_answer
def tokenize(smiles_string):
    pattern = (r"(\[[^\[\]]+\]|B|C|Br|Cl|N|O|S|P|F|I|b|c|n|o|s|p"
               r"|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$|%[0-9]{2}|[0-9])")
    tokens, pos = [], 0
    for match in re.finditer(pattern, smiles_string):
        if match.start() != pos:
            break
        tokens.append(match.group())
        pos = match.end()
    if pos != len(smiles_string):
        raise ValueError(f"cannot tokenize {smiles_string!r}: {smiles_string[pos]!r} at position {pos}")
    return tokens
