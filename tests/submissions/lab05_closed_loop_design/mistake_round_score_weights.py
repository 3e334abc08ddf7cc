# base: solution
# mistake: fine-tunes with the raw scores as weights
# caught: visible round_test
# named: weighted by the raw scores
# %% round_answer
def one_round(model, vocab, pool, oracle, k, steps, n_propose, seed):
    if steps > 0:
        weights = np.array(pool.scores) / np.sum(pool.scores)
        design.weighted_finetune(model, vocab, pool.smiles, weights, steps, seed=seed)
    proposals = design.propose(model, vocab, n_propose, seed=seed)
    report = {**summarize(proposals, oracle), "pool": float(len(pool.smiles))}
    valid = [s for s in proposals if s and Chem.MolFromSmiles(s) is not None]
    if valid:
        pool.add(valid, oracle(valid))
    return proposals, report
