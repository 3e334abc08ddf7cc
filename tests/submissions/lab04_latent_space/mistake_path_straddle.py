# base: solution
# mistake: pairs next to an invalid point dropped instead of bridged
# caught: visible path_test
# named: the pairs around an invalid point are dropped
# %% path_answer
def path_smoothness(path):
    ok = [bool(s) and chem.is_valid(s) for s in path]
    out = {"validity": sum(ok) / len(path), "mean_step_similarity": float("nan")}
    sims = []
    for k in range(len(path) - 1):
        if ok[k] and ok[k + 1]:
            f = chem.morgan_fingerprints([path[k], path[k + 1]]).double()
            both = (f[0] * f[1]).sum()
            either = f[0].sum() + f[1].sum() - both
            sims.append(float(both / either) if either > 0 else 1.0)
    if sum(ok) >= 2 and sims:
        out["mean_step_similarity"] = float(np.mean(sims))
    return out
