# base: solution
# mistake: the threshold and lengths use sigma2, not beta * sigma2
# caught: visible optimum_test
# named: beta is ignored
# %% optimum_answer
def linear_vae_optimum(eigenvalues, sigma2, beta=1.0):
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if sigma2 <= 0 or beta <= 0:
        raise ValueError(f"sigma2 and beta must be positive, got {sigma2}, {beta}")
    noise = sigma2
    active = lam > noise
    return {"active": active, "w_sq": np.maximum(0.0, lam - noise),
            "kl": np.where(active, 0.5 * np.log(np.maximum(lam, noise) / noise), 0.0)}
