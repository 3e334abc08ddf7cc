# base: solution
# mistake: one mean and std for the whole table
# caught: visible standardize_test
# named: over the whole table
# %% standardize_answer
def standardize(values, mean=None, std=None):
    if mean is None or std is None:
        mean, std = values.mean(), values.std()
    if (std <= 0).any():
        raise ValueError(f"cannot standardise a column with zero spread (std = {std.tolist()})")
    return (values - mean) / std, mean, std
