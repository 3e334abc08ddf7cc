# base: solution
# mistake: a sample z = mu + sigma * eps returned instead of the mean
# caught: visible encode_test
# named: you return a sample
# %% encode_answer
def encode_means(model, vocab, smiles_list, batch_size=500):
    model.eval()
    mus, logvars = [], []
    with torch.no_grad():
        for i in range(0, len(smiles_list), batch_size):
            chunk = list(smiles_list[i:i + batch_size])
            mu, logvar = model.encode(vocab.encode_batch(chunk).to(model.device))
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
            mus.append(z.cpu())
            logvars.append(logvar.cpu())
    return torch.cat(mus), torch.cat(logvars)
