# base: solution
# mistake: ceil(n_valid / 10) molecules in the top tenth
# caught: visible summary_test
# named: not ceil(n_valid / 10)
# %% summary_answer
def summarize(proposals, oracle):
    valid = [s for s in proposals if s and Chem.MolFromSmiles(s) is not None]
    if not valid:
        return {"validity": 0.0, "mean_score": 0.0, "top10_score": 0.0}
    scores = np.sort(np.asarray(oracle(valid), dtype=float))[::-1]
    return {"validity": len(valid) / len(proposals), "mean_score": float(scores.mean()),
            "top10_score": float(scores[: math.ceil(len(scores) / 10)].mean())}
