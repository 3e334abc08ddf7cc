# base: solution
# mistake: each coordinate clipped to [-radius, radius] (a box, not the ball)
# caught: visible ascent_test
# named: clipped to [-radius, radius]
# %% ascent_answer
def gradient_ascent(head, z0, radius, steps=100, lr=0.1):
    z = z0.detach().float().clone().clamp(-radius, radius)
    for _ in range(steps):
        z.requires_grad_(True)
        (grad,) = torch.autograd.grad(head(z).sum(), z)
        z = (z + lr * grad).detach().clamp(-radius, radius)
    return z
