# base: solution
# mistake: t * direction, without the center
# caught: visible traverse_test
# named: the center is missing
# %% traverse_answer
def traverse(decode, center, direction, scales):
    with torch.no_grad():
        points = scales[:, None] * direction[None, :]
        return decode(points)
