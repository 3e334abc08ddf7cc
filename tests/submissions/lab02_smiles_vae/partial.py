# base: solution
# One piece broken: can_end checks branches and bonds but forgets that ring labels must be closed.
# %% can_end_answer
BOND_TOKENS = {"-", "=", "#", "/", "\\"}


def can_end(tokens):
    if not tokens or tokens[-1] in BOND_TOKENS or tokens[-1] == "(":
        return False
    depth = 0
    for t in tokens:
        depth += (t == "(") - (t == ")")
        if depth < 0:
            return False
    return depth == 0
