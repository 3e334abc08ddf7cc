# base: solution
# mistake: both losses summed over the batch
# caught: visible loss_test
# named: summed over the batch
# %% loss_answer
def periodic_loss(pred_lattice, pred_frac, true_lattice, true_frac):
    coords = min_image_sq_distance(pred_frac, true_frac, true_lattice).sum()
    lat = ((pred_lattice - true_lattice) ** 2).sum()
    return coords, lat
