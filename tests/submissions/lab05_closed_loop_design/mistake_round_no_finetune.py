# base: solution
# mistake: never fine-tunes
# caught: visible round_test
# named: was not fine-tuned
# %% round_answer
def one_round(model, vocab, pool, oracle, k, steps, n_propose, seed):
    proposals = design.propose(model, vocab, n_propose, seed=seed)
    report = {**summarize(proposals, oracle), "pool": float(len(pool.smiles))}
    valid = [s for s in proposals if s and Chem.MolFromSmiles(s) is not None]
    if valid:
        pool.add(valid, oracle(valid))
    return proposals, report
