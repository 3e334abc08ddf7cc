# base: release
# Every answer delegates to the course reference instead of implementing it.
# %% oracle_answer
qed_oracle = design.qed_oracle
# %% weights_answer
def rank_weights(scores, k):
    return design.rank_weights(scores, k)
# %% summary_answer
summarize = design.summarize
# %% round_answer
def one_round(model, vocab, pool, oracle, k, steps, n_propose, seed):
    return design.one_round(model, vocab, pool, oracle, k, steps, n_propose, seed)
# %% ei_answer
expected_improvement = latent_opt.expected_improvement
# %% ascent_answer
def gradient_ascent(head, z0, radius, steps=100, lr=0.1):
    return latent_opt.gradient_ascent(head, z0, radius, steps, lr)
