# base: solution
# mistake: no ValueError for a column with zero spread
# caught: visible standardize_test
# named: raise ValueError instead of dividing by zero
# %% standardize_answer
def standardize(values, mean=None, std=None):
    if mean is None or std is None:
        mean, std = values.mean(0), values.std(0)
    return (values - mean) / std, mean, std
