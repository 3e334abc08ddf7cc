# base: solution
# mistake: coordinate loss measured in the predicted lattice
# caught: visible loss_test
# named: measured in the predicted lattice
# %% loss_answer
def periodic_loss(pred_lattice, pred_frac, true_lattice, true_frac):
    coords = min_image_sq_distance(pred_frac, true_frac, pred_lattice).sum(1).mean()
    lat = ((pred_lattice - true_lattice) ** 2).sum((1, 2)).mean()
    return coords, lat
