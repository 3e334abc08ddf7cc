# base: solution
# mistake: minimum image by rounding only, no 27-image search
# caught: visible image_test
# named: stopped
# %% image_answer
def min_image_sq_distance(frac_a, frac_b, lattice):
    diff = frac_a - frac_b
    diff = diff - torch.round(diff)
    return ((diff @ lattice) ** 2).sum(-1)
