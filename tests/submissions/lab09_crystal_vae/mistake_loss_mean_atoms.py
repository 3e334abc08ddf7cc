# base: solution
# mistake: coordinate loss averaged over atoms instead of summed
# caught: visible loss_test
# named: averaged over atoms
# %% loss_answer
def periodic_loss(pred_lattice, pred_frac, true_lattice, true_frac):
    coords = min_image_sq_distance(pred_frac, true_frac, true_lattice).mean()
    lat = ((pred_lattice - true_lattice) ** 2).sum((1, 2)).mean()
    return coords, lat
