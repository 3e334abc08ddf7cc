# base: solution
# mistake: y centred but z not
# caught: visible ridge_test
# named: z is not centred
# %% ridge_answer
def ridge_predict(z_train, y_train, z_test, alpha=1.0):
    zt, yt = torch.as_tensor(z_train, dtype=torch.float64), torch.as_tensor(y_train, dtype=torch.float64)
    y_mean = yt.mean()
    w = torch.linalg.solve(zt.T @ zt + alpha * torch.eye(zt.shape[1], dtype=torch.float64), zt.T @ (yt - y_mean))
    return torch.as_tensor(z_test, dtype=torch.float64) @ w + y_mean


def r2_score(y_true, y_pred):
    t, p = torch.as_tensor(y_true, dtype=torch.float64), torch.as_tensor(y_pred, dtype=torch.float64)
    return float(1 - ((t - p) ** 2).sum() / ((t - t.mean()) ** 2).sum())
