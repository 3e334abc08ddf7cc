# base: solution
# mistake: decodes each relative and averages the guessed genotypes
# caught: visible attack_test
# named: averaged the guessed genotypes
# %% attack_answer
def relatives_attack(model, relatives):
    model.eval()
    with torch.no_grad():
        decoded = torch.stack([model.decode(model.encode(g)[0]).argmax(-1).double() for g in relatives])
        return decoded.mean(0).round().long()
