# base: solution
# mistake: no centring, no intercept
# caught: visible ridge_test
# named: there is no intercept
# %% ridge_answer
def ridge_predict(z_train, y_train, z_test, alpha=1.0):
    zt, yt = torch.as_tensor(z_train, dtype=torch.float64), torch.as_tensor(y_train, dtype=torch.float64)
    w = torch.linalg.solve(zt.T @ zt + alpha * torch.eye(zt.shape[1], dtype=torch.float64), zt.T @ yt)
    return torch.as_tensor(z_test, dtype=torch.float64) @ w


def r2_score(y_true, y_pred):
    t, p = torch.as_tensor(y_true, dtype=torch.float64), torch.as_tensor(y_pred, dtype=torch.float64)
    return float(1 - ((t - p) ** 2).sum() / ((t - t.mean()) ** 2).sum())
