# base: solution
# mistake: the sum divided by the steps of the whole path
# caught: visible path_test
# named: divided by the number of steps
# %% path_answer
def path_smoothness(path):
    valid = [s for s in path if s and chem.is_valid(s)]
    out = {"validity": len(valid) / len(path), "mean_step_similarity": float("nan")}
    if len(valid) >= 2:
        f = chem.morgan_fingerprints(valid).double()
        both = (f[:-1] * f[1:]).sum(1)
        either = f[:-1].sum(1) + f[1:].sum(1) - both
        out["mean_step_similarity"] = float(torch.where(either > 0, both / either.clamp(min=1), 1.0).sum()
                                          / (len(path) - 1))
    return out
