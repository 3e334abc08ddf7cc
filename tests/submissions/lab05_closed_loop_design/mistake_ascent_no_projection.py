# base: solution
# mistake: plain gradient ascent, never projected into the trust ball
# caught: visible ascent_test
# named: the codes left the trust ball
# %% ascent_answer
def gradient_ascent(head, z0, radius, steps=100, lr=0.1):
    z = z0.detach().float().clone()
    for _ in range(steps):
        z.requires_grad_(True)
        (grad,) = torch.autograd.grad(head(z).sum(), z)
        z = (z + lr * grad).detach()
    return z
