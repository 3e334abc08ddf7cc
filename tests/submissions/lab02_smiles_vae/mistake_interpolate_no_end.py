# base: solution
# mistake: alpha = arange(n) / n: the end point is missing
# caught: visible interpolate_test
# named: the last point is not z2
# %% interpolate_answer
def interpolate(z1, z2, n_steps):
    alpha = (torch.arange(n_steps, dtype=z1.dtype, device=z1.device) / n_steps).unsqueeze(1)
    return (1 - alpha) * z1 + alpha * z2
