# base: solution
# mistake: validity as a count
# caught: visible path_test
# named: not a count
# %% path_answer
def path_smoothness(path):
    valid = [s for s in path if s and chem.is_valid(s)]
    out = {"validity": len(valid), "mean_step_similarity": float("nan")}
    if len(valid) >= 2:
        f = chem.morgan_fingerprints(valid).double()
        both = (f[:-1] * f[1:]).sum(1)
        either = f[:-1].sum(1) + f[1:].sum(1) - both
        out["mean_step_similarity"] = float(torch.where(either > 0, both / either.clamp(min=1), 1.0).mean())
    return out
