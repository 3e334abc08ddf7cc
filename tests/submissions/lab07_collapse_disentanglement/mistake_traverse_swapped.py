# base: solution
# mistake: direction + t * center
# caught: visible traverse_test
# named: center and direction are swapped
# %% traverse_answer
def traverse(decode, center, direction, scales):
    with torch.no_grad():
        points = direction[None, :] + scales[:, None] * center[None, :]
        return decode(points)
