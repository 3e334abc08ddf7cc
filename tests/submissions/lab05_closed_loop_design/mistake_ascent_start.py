# base: solution
# mistake: the starting codes not projected before the first step
# caught: visible ascent_test
# named: the starting codes were not projected
# %% ascent_answer
def gradient_ascent(head, z0, radius, steps=100, lr=0.1):
    def project(z):
        return z * torch.clamp(radius / z.norm(dim=1, keepdim=True).clamp_min(1e-12), max=1.0)

    z = z0.detach().float().clone()
    for _ in range(steps):
        z.requires_grad_(True)
        (grad,) = torch.autograd.grad(head(z).sum(), z)
        z = project((z + lr * grad).detach())
    return z.detach()
