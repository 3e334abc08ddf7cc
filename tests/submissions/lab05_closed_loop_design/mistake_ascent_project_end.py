# base: solution
# mistake: projected once, after the last step
# caught: visible ascent_test
# named: projected only once, at the end
# %% ascent_answer
def gradient_ascent(head, z0, radius, steps=100, lr=0.1):
    z = z0.detach().float().clone()
    for _ in range(steps):
        z.requires_grad_(True)
        (grad,) = torch.autograd.grad(head(z).sum(), z)
        z = (z + lr * grad).detach()
    return z * torch.clamp(radius / z.norm(dim=1, keepdim=True).clamp_min(1e-12), max=1.0)
