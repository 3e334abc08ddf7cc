# base: solution
# mistake: KL = ln(lambda / noise)
# caught: visible optimum_test
# named: the 1/2 in front of the log is missing
# %% optimum_answer
def linear_vae_optimum(eigenvalues, sigma2, beta=1.0):
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if sigma2 <= 0 or beta <= 0:
        raise ValueError(f"sigma2 and beta must be positive, got {sigma2}, {beta}")
    noise = beta * sigma2
    active = lam > noise
    return {"active": active, "w_sq": np.maximum(0.0, lam - noise),
            "kl": np.where(active, np.log(np.maximum(lam, noise) / noise), 0.0)}
