# base: solution
# mistake: the given statistics ignored (always recomputed)
# caught: visible standardize_test
# named: you recomputed mean and std
# %% standardize_answer
def standardize(values, mean=None, std=None):
    mean, std = values.mean(0), values.std(0)
    if (std <= 0).any():
        raise ValueError(f"cannot standardise a column with zero spread (std = {std.tolist()})")
    return (values - mean) / std, mean, std
