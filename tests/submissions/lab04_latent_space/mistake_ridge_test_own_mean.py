# base: solution
# mistake: the test codes centred with their own mean
# caught: visible ridge_test
# named: centred with their own mean
# %% ridge_answer
def ridge_predict(z_train, y_train, z_test, alpha=1.0):
    zt, yt = torch.as_tensor(z_train, dtype=torch.float64), torch.as_tensor(y_train, dtype=torch.float64)
    z_mean, y_mean = zt.mean(0), yt.mean()
    zc = zt - z_mean
    w = torch.linalg.solve(zc.T @ zc + alpha * torch.eye(zt.shape[1], dtype=torch.float64), zc.T @ (yt - y_mean))
    zs = torch.as_tensor(z_test, dtype=torch.float64)
    return (zs - zs.mean(0)) @ w + y_mean


def r2_score(y_true, y_pred):
    t, p = torch.as_tensor(y_true, dtype=torch.float64), torch.as_tensor(y_pred, dtype=torch.float64)
    return float(1 - ((t - p) ** 2).sum() / ((t - t.mean()) ** 2).sum())
