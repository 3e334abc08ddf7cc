# base: solution
# mistake: alpha as a row: it does not broadcast
# caught: visible interpolate_test
# named: alpha must be a column
# %% interpolate_answer
def interpolate(z1, z2, n_steps):
    alpha = torch.linspace(0.0, 1.0, n_steps, dtype=z1.dtype, device=z1.device)
    return (1 - alpha) * z1 + alpha * z2
