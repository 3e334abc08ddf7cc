# base: solution
# mistake: greedy bracket pattern \[.*\]
# caught: visible tokenize_test
# named: bracket pattern is greedy
# %% tokenize_answer
def tokenize(smiles_string):
    pattern = (r"(\[.*\]|Br|Cl|B|C|N|O|S|P|F|I|b|c|n|o|s|p"
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
