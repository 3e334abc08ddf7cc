# base: solution
# mistake: the raw target put into a vector of zeros (not standardised)
# caught: visible conditions_test
# named: the target went into the vector in raw units
# %% conditions_answer
def condition_vectors(targets, column, mean, std, n_per_target):
    raw = torch.zeros(len(targets) * n_per_target, len(mean))
    raw[:, column] = torch.tensor(targets, dtype=raw.dtype).repeat_interleave(n_per_target)
    return raw
