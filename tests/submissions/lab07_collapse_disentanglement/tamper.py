# base: solution
# Two broken answers whose tests are tampered with, and inflated points elsewhere.
# Graded as if untouched: the broken pieces score 0 and the maximum stays the same.
# %% optimum_answer
def linear_vae_optimum(eigenvalues, sigma2, beta=1.0):
    lam = np.asarray(eigenvalues, dtype=np.float64)
    return {"active": lam > sigma2, "w_sq": lam - sigma2, "kl": 0.5 * np.log(lam / sigma2)}  # wrong: no beta, no max(0, .)
# %% optimum_test
pass
# %% traverse_answer
def traverse(decode, center, direction, scales):
    return decode(center[None, :] + scales[:, None] * center[None, :])  # wrong: walks along the center, with gradients
# %% traverse_test delete
# %% loss_test points=100
