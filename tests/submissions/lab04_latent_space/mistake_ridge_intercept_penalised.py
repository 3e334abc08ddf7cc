# base: solution
# mistake: a column of ones inside the ridge penalty
# caught: visible ridge_test
# named: the intercept is penalised
# %% ridge_answer
def ridge_predict(z_train, y_train, z_test, alpha=1.0):
    zt, yt = torch.as_tensor(z_train, dtype=torch.float64), torch.as_tensor(y_train, dtype=torch.float64)
    ones = torch.cat([zt, torch.ones(len(zt), 1, dtype=torch.float64)], 1)
    w = torch.linalg.solve(ones.T @ ones + alpha * torch.eye(ones.shape[1], dtype=torch.float64), ones.T @ yt)
    zs = torch.as_tensor(z_test, dtype=torch.float64)
    return torch.cat([zs, torch.ones(len(zs), 1, dtype=torch.float64)], 1) @ w


def r2_score(y_true, y_pred):
    t, p = torch.as_tensor(y_true, dtype=torch.float64), torch.as_tensor(y_pred, dtype=torch.float64)
    return float(1 - ((t - p) ** 2).sum() / ((t - t.mean()) ** 2).sum())
