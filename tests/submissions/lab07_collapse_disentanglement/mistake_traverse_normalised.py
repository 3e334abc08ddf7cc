# base: solution
# mistake: the direction is rescaled to unit length
# caught: visible traverse_test
# named: you rescaled the direction to length 1
# %% traverse_answer
def traverse(decode, center, direction, scales):
    with torch.no_grad():
        points = center[None, :] + scales[:, None] * (direction / direction.norm())[None, :]
        return decode(points)
