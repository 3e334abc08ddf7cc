# base: solution
# mistake: the proposals never added to the pool
# caught: visible round_test
# named: did not receive
# %% round_answer
def one_round(model, vocab, pool, oracle, k, steps, n_propose, seed):
    if steps > 0:
        design.weighted_finetune(model, vocab, pool.smiles, rank_weights(pool.scores, k), steps, seed=seed)
    proposals = design.propose(model, vocab, n_propose, seed=seed)
    report = {**summarize(proposals, oracle), "pool": float(len(pool.smiles))}
    return proposals, report
