# base: solution
# mistake: model.eval() forgotten
# caught: visible encode_test
# named: model.eval()
# %% encode_answer
def encode_means(model, vocab, smiles_list, batch_size=500):
    mus, logvars = [], []
    with torch.no_grad():
        for i in range(0, len(smiles_list), batch_size):
            chunk = list(smiles_list[i:i + batch_size])
            mu, logvar = model.encode(vocab.encode_batch(chunk).to(model.device))
            mus.append(mu.cpu())
            logvars.append(logvar.cpu())
    return torch.cat(mus), torch.cat(logvars)
