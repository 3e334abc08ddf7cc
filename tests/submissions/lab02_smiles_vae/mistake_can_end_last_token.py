# base: solution
# mistake: the last token is not checked
# caught: visible can_end_test
# named: cannot end on a bond
# %% can_end_answer
BOND_TOKENS = {"-", "=", "#", "$", ":", "/", "\\"}


def can_end(tokens):
    if not tokens:
        return False
    depth, open_labels = 0, set()
    for t in tokens:
        if t == "(":
            depth += 1
        elif t == ")":
            depth -= 1
            if depth < 0:
                return False
        elif t.isdigit() or t.startswith("%"):
            open_labels ^= {t}
    return depth == 0 and not open_labels
