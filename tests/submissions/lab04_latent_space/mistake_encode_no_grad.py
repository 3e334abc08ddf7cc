# base: solution
# mistake: no torch.no_grad(): the means carry gradients
# caught: visible encode_test
# named: torch.no_grad()
# %% encode_answer
def encode_means(model, vocab, smiles_list, batch_size=500):
    model.eval()
    mus, logvars = [], []
    for i in range(0, len(smiles_list), batch_size):
        chunk = list(smiles_list[i:i + batch_size])
        mu, logvar = model.encode(vocab.encode_batch(chunk).to(model.device))
        mus.append(mu.cpu())
        logvars.append(logvar.cpu())
    return torch.cat(mus), torch.cat(logvars)
