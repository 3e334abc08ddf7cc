# base: solution
# mistake: the empty string counted as valid
# caught: visible summary_test
# named: the empty string counted as a valid molecule
# %% summary_answer
def summarize(proposals, oracle):
    valid = [s for s in proposals if Chem.MolFromSmiles(s) is not None]
    if not valid:
        return {"validity": 0.0, "mean_score": 0.0, "top10_score": 0.0}
    scores = np.sort(np.asarray(oracle(valid), dtype=float))[::-1]
    return {"validity": len(valid) / len(proposals), "mean_score": float(scores.mean()),
            "top10_score": float(scores[: max(1, len(scores) // 10)].mean())}
