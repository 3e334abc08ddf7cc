# base: solution
# mistake: divided by the variance
# caught: visible standardize_test
# named: divided by the variance
# %% standardize_answer
def standardize(values, mean=None, std=None):
    if mean is None or std is None:
        mean, std = values.mean(0), values.var(0)
    if (std <= 0).any():
        raise ValueError(f"cannot standardise a column with zero spread (std = {std.tolist()})")
    return (values - mean) / std, mean, std
