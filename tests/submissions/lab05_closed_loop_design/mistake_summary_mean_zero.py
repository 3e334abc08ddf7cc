# base: solution
# mistake: invalid proposals enter the mean as 0
# caught: visible summary_test
# named: entered the mean as 0
# %% summary_answer
def summarize(proposals, oracle):
    valid = [s for s in proposals if s and Chem.MolFromSmiles(s) is not None]
    if not valid:
        return {"validity": 0.0, "mean_score": 0.0, "top10_score": 0.0}
    scores = np.sort(np.asarray(oracle(valid), dtype=float))[::-1]
    with_zeros = [oracle([s])[0] if s in valid else 0.0 for s in proposals]
    return {"validity": len(valid) / len(proposals), "mean_score": float(np.mean(with_zeros)),
            "top10_score": float(scores[: max(1, len(scores) // 10)].mean())}
