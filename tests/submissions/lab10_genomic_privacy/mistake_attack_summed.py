# base: solution
# mistake: sums the relatives' codes
# caught: visible attack_test
# named: summed the relatives' codes
# %% attack_answer
def relatives_attack(model, relatives):
    model.eval()
    with torch.no_grad():
        codes = torch.stack([model.encode(g)[0] for g in relatives]).sum(0)
        return model.decode(codes).argmax(-1)
