# base: solution
# mistake: codes averaged over the families (dim 1)
# caught: visible attack_test
# named: averaged over the families
# %% attack_answer
def relatives_attack(model, relatives):
    model.eval()
    with torch.no_grad():
        codes = torch.stack([model.encode(g)[0] for g in relatives]).mean(1)
        return model.decode(codes).argmax(-1)
