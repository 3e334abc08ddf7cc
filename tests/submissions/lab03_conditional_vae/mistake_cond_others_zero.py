# base: solution
# mistake: the other columns 0 in raw units
# caught: visible conditions_test
# named: the other columns are 0 before standardising
# %% conditions_answer
def condition_vectors(targets, column, mean, std, n_per_target):
    raw = torch.zeros(len(targets) * n_per_target, len(mean))
    raw[:, column] = torch.tensor(targets, dtype=raw.dtype).repeat_interleave(n_per_target)
    return standardize(raw, mean, std)[0]
