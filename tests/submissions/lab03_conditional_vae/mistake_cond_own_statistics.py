# base: solution
# mistake: the requests standardised with their own statistics
# caught: visible conditions_test
# named: standardize the requests with the training statistics you are given
# %% conditions_answer
def condition_vectors(targets, column, mean, std, n_per_target):
    raw = mean.repeat(len(targets) * n_per_target, 1)
    raw[:, column] = torch.tensor(targets, dtype=raw.dtype).repeat_interleave(n_per_target)
    return standardize(raw)[0]
