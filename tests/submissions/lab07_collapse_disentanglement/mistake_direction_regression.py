# base: solution
# mistake: least-squares regression of severity on the codes
# caught: visible direction_test
# named: you regressed severity on the codes
# %% direction_answer
def severity_direction(mu, severity, quantile=0.25):
    design = torch.cat([mu, torch.ones(len(mu), 1, dtype=mu.dtype)], dim=1)
    coef = torch.linalg.lstsq(design, severity.to(mu.dtype)[:, None]).solution[:-1, 0]
    return coef / coef.norm()
