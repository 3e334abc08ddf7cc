# base: solution
# mistake: proposes before fine-tuning
# caught: visible round_test
# named: written before the fine-tuning
# %% round_answer
def one_round(model, vocab, pool, oracle, k, steps, n_propose, seed):
    proposals = design.propose(model, vocab, n_propose, seed=seed)
    if steps > 0:
        design.weighted_finetune(model, vocab, pool.smiles, rank_weights(pool.scores, k), steps, seed=seed)
    report = {**summarize(proposals, oracle), "pool": float(len(pool.smiles))}
    valid = [s for s in proposals if s and Chem.MolFromSmiles(s) is not None]
    if valid:
        pool.add(valid, oracle(valid))
    return proposals, report
