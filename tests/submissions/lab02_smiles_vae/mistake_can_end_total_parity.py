# base: solution
# mistake: an even total of ring labels instead of each label
# caught: visible can_end_test
# named: each ring label must be closed on its own
# %% can_end_answer
BOND_TOKENS = {"-", "=", "#", "$", ":", "/", "\\"}


def can_end(tokens):
    if not tokens or tokens[-1] in BOND_TOKENS or tokens[-1] == "(":
        return False
    depth, labels = 0, 0
    for t in tokens:
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
            if depth < 0:
                return False
        elif t.isdigit() or t.startswith("%"):
            labels += 1
    return depth == 0 and labels % 2 == 0
