# base: solution
# mistake: uses only the first relative
# caught: visible attack_test
# named: only the first relative
# %% attack_answer
def relatives_attack(model, relatives):
    model.eval()
    with torch.no_grad():
        return model.decode(model.encode(relatives[0])[0]).argmax(-1)
