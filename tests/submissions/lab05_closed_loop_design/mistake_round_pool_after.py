# base: solution
# mistake: the pool size reported after the new molecules join
# caught: visible round_test
# named: BEFORE the new molecules join
# %% round_answer
def one_round(model, vocab, pool, oracle, k, steps, n_propose, seed):
    if steps > 0:
        design.weighted_finetune(model, vocab, pool.smiles, rank_weights(pool.scores, k), steps, seed=seed)
    proposals = design.propose(model, vocab, n_propose, seed=seed)
    valid = [s for s in proposals if s and Chem.MolFromSmiles(s) is not None]
    if valid:
        pool.add(valid, oracle(valid))
    report = {**summarize(proposals, oracle), "pool": float(len(pool.smiles))}
    return proposals, report
