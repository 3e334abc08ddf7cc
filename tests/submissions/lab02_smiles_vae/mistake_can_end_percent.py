# base: solution
# mistake: %nn ring labels ignored (t.isdigit() only)
# caught: visible can_end_test
# named: '%10' is a ring label too
# %% can_end_answer
BOND_TOKENS = {"-", "=", "#", "$", ":", "/", "\\"}


def can_end(tokens):
    if not tokens or tokens[-1] in BOND_TOKENS or tokens[-1] == "(":
        return False
    depth, open_labels = 0, set()
    for t in tokens:
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
            if depth < 0:
                return False
        elif t.isdigit():
            open_labels ^= {t}
    return depth == 0 and not open_labels
