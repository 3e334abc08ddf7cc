# base: solution
# mistake: targets tiled (repeat) instead of in blocks (repeat_interleave)
# caught: visible conditions_test
# named: the targets are interleaved
# %% conditions_answer
def condition_vectors(targets, column, mean, std, n_per_target):
    raw = mean.repeat(len(targets) * n_per_target, 1)
    raw[:, column] = torch.tensor(targets, dtype=raw.dtype).repeat(n_per_target)
    return standardize(raw, mean, std)[0]
