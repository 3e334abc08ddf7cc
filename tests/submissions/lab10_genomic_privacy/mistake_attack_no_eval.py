# base: solution
# mistake: model left in training mode
# caught: visible attack_test
# named: call model.eval()
# %% attack_answer
def relatives_attack(model, relatives):
    with torch.no_grad():
        codes = torch.stack([model.encode(g)[0] for g in relatives]).mean(0)
        return model.decode(codes).argmax(-1)
