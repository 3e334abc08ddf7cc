# base: solution
# mistake: samples z with reparameterize instead of using the means
# caught: visible attack_test
# named: you sampled z
# %% attack_answer
def relatives_attack(model, relatives):
    model.eval()
    with torch.no_grad():
        codes = torch.stack([vae.reparameterize(*model.encode(g)) for g in relatives]).mean(0)
        return model.decode(codes).argmax(-1)
