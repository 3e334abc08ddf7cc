# base: solution
# mistake: the raw requests returned
# caught: visible conditions_test
# named: the vectors are in raw units
# %% conditions_answer
def condition_vectors(targets, column, mean, std, n_per_target):
    raw = mean.repeat(len(targets) * n_per_target, 1)
    raw[:, column] = torch.tensor(targets, dtype=raw.dtype).repeat_interleave(n_per_target)
    return raw
