# base: solution
# mistake: fine-tunes with uniform weights (k ignored)
# caught: visible round_test
# named: ignored k
# %% round_answer
def one_round(model, vocab, pool, oracle, k, steps, n_propose, seed):
    if steps > 0:
        design.weighted_finetune(model, vocab, pool.smiles, rank_weights(pool.scores, math.inf), steps, seed=seed)
    proposals = design.propose(model, vocab, n_propose, seed=seed)
    report = {**summarize(proposals, oracle), "pool": float(len(pool.smiles))}
    valid = [s for s in proposals if s and Chem.MolFromSmiles(s) is not None]
    if valid:
        pool.add(valid, oracle(valid))
    return proposals, report
