# base: solution
# mistake: coordinate loss on plain fractional differences (no minimum image)
# caught: visible loss_test
# named: compares the fractional coordinates directly
# %% loss_answer
def periodic_loss(pred_lattice, pred_frac, true_lattice, true_frac):
    coords = (((pred_frac - true_frac) @ true_lattice) ** 2).sum(-1).sum(1).mean()
    lat = ((pred_lattice - true_lattice) ** 2).sum((1, 2)).mean()
    return coords, lat
