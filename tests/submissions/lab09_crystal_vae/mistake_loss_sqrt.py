# base: solution
# mistake: coordinate loss sums distances, not squared distances
# caught: visible loss_test
# named: not squared distances
# %% loss_answer
def periodic_loss(pred_lattice, pred_frac, true_lattice, true_frac):
    coords = min_image_sq_distance(pred_frac, true_frac, true_lattice).sqrt().sum(1).mean()
    lat = ((pred_lattice - true_lattice) ** 2).sum((1, 2)).mean()
    return coords, lat
