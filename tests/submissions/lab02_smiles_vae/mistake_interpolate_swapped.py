# base: solution
# mistake: alpha on z1: the path runs backwards
# caught: visible interpolate_test
# named: runs from z2 to z1
# %% interpolate_answer
def interpolate(z1, z2, n_steps):
    alpha = torch.linspace(0.0, 1.0, n_steps, dtype=z1.dtype, device=z1.device).unsqueeze(1)
    return alpha * z1 + (1 - alpha) * z2
