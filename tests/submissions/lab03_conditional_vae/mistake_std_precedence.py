# base: solution
# mistake: values - mean / std (parentheses missing)
# caught: visible standardize_test
# named: parentheses are missing
# %% standardize_answer
def standardize(values, mean=None, std=None):
    if mean is None or std is None:
        mean, std = values.mean(0), values.std(0)
    if (std <= 0).any():
        raise ValueError(f"cannot standardise a column with zero spread (std = {std.tolist()})")
    return values - mean / std, mean, std
