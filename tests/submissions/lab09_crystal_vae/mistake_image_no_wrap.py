# base: solution
# mistake: 27-image search without wrapping the difference first
# caught: visible image_test
# named: not wrapped
# %% image_answer
def min_image_sq_distance(frac_a, frac_b, lattice):
    shifts = torch.tensor(list(itertools.product([-1, 0, 1], repeat=3)), dtype=frac_a.dtype, device=frac_a.device)
    diff = frac_a - frac_b
    cart = (diff[:, :, None, :] + shifts) @ lattice[:, None]
    return (cart ** 2).sum(-1).min(-1).values
