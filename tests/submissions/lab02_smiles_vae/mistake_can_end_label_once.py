# base: solution
# mistake: a ring label may be used only once
# caught: visible can_end_test
# named: toggle the label
# %% can_end_answer
BOND_TOKENS = {"-", "=", "#", "$", ":", "/", "\\"}


def can_end(tokens):
    if not tokens or tokens[-1] in BOND_TOKENS or tokens[-1] == "(":
        return False
    labels = [t for t in tokens if t.isdigit() or t.startswith("%")]
    if any(labels.count(t) != 2 for t in labels):
        return False
    depth = 0
    for t in tokens:
        depth += (t == "(") - (t == ")")
        if depth < 0:
            return False
    return depth == 0
