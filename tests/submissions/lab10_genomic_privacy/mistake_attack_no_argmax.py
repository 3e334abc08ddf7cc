# base: solution
# mistake: returns the logits, no argmax
# caught: visible attack_test
# named: returned the decoder's logits
# %% attack_answer
def relatives_attack(model, relatives):
    model.eval()
    with torch.no_grad():
        codes = torch.stack([model.encode(g)[0] for g in relatives]).mean(0)
        return model.decode(codes)
