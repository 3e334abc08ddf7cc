# base: solution
# mistake: the top tenth taken from an ascending sort
# caught: visible summary_test
# named: the top 10% are the HIGHEST
# %% summary_answer
def summarize(proposals, oracle):
    valid = [s for s in proposals if s and Chem.MolFromSmiles(s) is not None]
    if not valid:
        return {"validity": 0.0, "mean_score": 0.0, "top10_score": 0.0}
    scores = np.sort(np.asarray(oracle(valid), dtype=float))
    return {"validity": len(valid) / len(proposals), "mean_score": float(scores.mean()),
            "top10_score": float(scores[: max(1, len(scores) // 10)].mean())}
