# base: solution
# mistake: the target always in column 0
# caught: visible conditions_test
# named: the target always went into column 0
# %% conditions_answer
def condition_vectors(targets, column, mean, std, n_per_target):
    raw = mean.repeat(len(targets) * n_per_target, 1)
    raw[:, 0] = torch.tensor(targets, dtype=raw.dtype).repeat_interleave(n_per_target)
    return standardize(raw, mean, std)[0]
