# base: solution
# mistake: w_sq = lambda - noise, negative for collapsed latents
# caught: visible optimum_test
# named: a squared length cannot be negative
# %% optimum_answer
def linear_vae_optimum(eigenvalues, sigma2, beta=1.0):
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if sigma2 <= 0 or beta <= 0:
        raise ValueError(f"sigma2 and beta must be positive, got {sigma2}, {beta}")
    noise = beta * sigma2
    active = lam > noise
    return {"active": active, "w_sq": lam - noise,
            "kl": np.where(active, 0.5 * np.log(np.maximum(lam, noise) / noise), 0.0)}
