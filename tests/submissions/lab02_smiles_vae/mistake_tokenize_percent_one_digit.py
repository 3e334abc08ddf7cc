# base: solution
# mistake: %[0-9]: a % ring closure with one digit
# caught: visible tokenize_test
# named: followed by exactly two digits
# %% tokenize_answer
def tokenize(smiles_string):
    pattern = (r"(\[[^\[\]]+\]|Br|Cl|B|C|N|O|S|P|F|I|b|c|n|o|s|p"
               r"|\(|\)|\.|=|#|-|\+|\\|/|:|~|@|\?|>|\*|\$|%[0-9]|[0-9])")
    tokens, pos = [], 0
    for match in re.finditer(pattern, smiles_string):
        if match.start() != pos:
            break
        tokens.append(match.group())
        pos = match.end()
    if pos != len(smiles_string):
        raise ValueError(f"cannot tokenize {smiles_string!r}: {smiles_string[pos]!r} at position {pos}")
    return tokens
