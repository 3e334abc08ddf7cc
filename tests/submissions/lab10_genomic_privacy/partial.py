# base: solution
# One piece broken: the attack decodes each relative and averages the decoded genotypes, not the codes.
# %% attack_answer
def relatives_attack(model, relatives):
    model.eval()
    with torch.no_grad():
        decoded = torch.stack([model.decode(model.encode(g)[0]).argmax(-1).double() for g in relatives])
        return decoded.mean(0).round().long()
