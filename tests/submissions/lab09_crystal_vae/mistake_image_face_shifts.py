# base: solution
# mistake: only the 6 face-neighbour shifts searched
# caught: visible image_test
# named: only the 6 face neighbours
# %% image_answer
def min_image_sq_distance(frac_a, frac_b, lattice):
    shifts = torch.cat([torch.zeros(1, 3), torch.eye(3), -torch.eye(3)]).to(frac_a)
    diff = frac_a - frac_b
    diff = diff - torch.round(diff)
    cart = (diff[:, :, None, :] + shifts) @ lattice[:, None]
    return (cart ** 2).sum(-1).min(-1).values
