# base: solution
# mistake: batches concatenated in reverse order (insert at the front)
# caught: visible encode_test
# named: wrong order
# %% encode_answer
def encode_means(model, vocab, smiles_list, batch_size=500):
    model.eval()
    mus, logvars = [], []
    with torch.no_grad():
        for i in range(0, len(smiles_list), batch_size):
            chunk = list(smiles_list[i:i + batch_size])
            mu, logvar = model.encode(vocab.encode_batch(chunk).to(model.device))
            mus.insert(0, mu.cpu())
            logvars.insert(0, logvar.cpu())
    return torch.cat(mus), torch.cat(logvars)
