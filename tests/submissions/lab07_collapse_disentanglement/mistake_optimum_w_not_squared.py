# base: solution
# mistake: w_sq = sqrt(max(0, lambda - noise)), the length
# caught: visible optimum_test
# named: not its square
# %% optimum_answer
def linear_vae_optimum(eigenvalues, sigma2, beta=1.0):
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if sigma2 <= 0 or beta <= 0:
        raise ValueError(f"sigma2 and beta must be positive, got {sigma2}, {beta}")
    noise = beta * sigma2
    active = lam > noise
    return {"active": active, "w_sq": np.sqrt(np.maximum(0.0, lam - noise)),
            "kl": np.where(active, 0.5 * np.log(np.maximum(lam, noise) / noise), 0.0)}
