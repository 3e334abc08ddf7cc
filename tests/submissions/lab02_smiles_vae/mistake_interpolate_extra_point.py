# base: solution
# mistake: n_steps + 1 points
# caught: visible interpolate_test
# named: exactly n_steps points
# %% interpolate_answer
def interpolate(z1, z2, n_steps):
    alpha = torch.linspace(0.0, 1.0, n_steps + 1, dtype=z1.dtype, device=z1.device).unsqueeze(1)
    return (1 - alpha) * z1 + alpha * z2
