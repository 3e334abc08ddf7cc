# base: solution
# mistake: decoded with gradients (no torch.no_grad())
# caught: visible traverse_test
# named: the decoded film carries gradients
# %% traverse_answer
def traverse(decode, center, direction, scales):
    points = center[None, :] + scales[:, None] * direction[None, :]
    return decode(points)
