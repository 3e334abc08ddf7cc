# base: solution
# mistake: every pair of valid molecules averaged
# caught: visible path_test
# named: every pair of valid molecules
# %% path_answer
def path_smoothness(path):
    valid = [s for s in path if s and chem.is_valid(s)]
    out = {"validity": len(valid) / len(path), "mean_step_similarity": float("nan")}
    if len(valid) >= 2:
        f = chem.morgan_fingerprints(valid).double()
        sims = []
        for a in range(len(f)):
            for b in range(a + 1, len(f)):
                both = (f[a] * f[b]).sum()
                either = f[a].sum() + f[b].sum() - both
                sims.append(float(both / either) if either > 0 else 1.0)
        out["mean_step_similarity"] = float(np.mean(sims))
    return out
