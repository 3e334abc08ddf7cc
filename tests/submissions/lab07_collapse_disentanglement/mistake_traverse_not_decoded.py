# base: solution
# mistake: returns the points, not their decoding
# caught: visible traverse_test
# named: you returned the points on the line
# %% traverse_answer
def traverse(decode, center, direction, scales):
    with torch.no_grad():
        points = center[None, :] + scales[:, None] * direction[None, :]
        return points
