# base: solution
# mistake: lattice loss with F.mse_loss (mean over the 9 entries)
# caught: visible loss_test
# named: averages the 9 entries
# %% loss_answer
def periodic_loss(pred_lattice, pred_frac, true_lattice, true_frac):
    coords = min_image_sq_distance(pred_frac, true_frac, true_lattice).sum(1).mean()
    lat = F.mse_loss(pred_lattice, true_lattice)
    return coords, lat
