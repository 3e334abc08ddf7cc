# base: solution
# mistake: averages the decoded logits instead of the codes
# caught: visible attack_test
# named: averaged the decoded logits
# %% attack_answer
def relatives_attack(model, relatives):
    model.eval()
    with torch.no_grad():
        logits = torch.stack([model.decode(model.encode(g)[0]) for g in relatives])
        return logits.mean(0).argmax(-1)
