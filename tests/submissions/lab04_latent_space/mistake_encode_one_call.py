# base: solution
# mistake: batch_size ignored: everything encoded in one call
# caught: visible encode_test
# named: batch_size is ignored
# %% encode_answer
def encode_means(model, vocab, smiles_list, batch_size=500):
    model.eval()
    with torch.no_grad():
        mu, logvar = model.encode(vocab.encode_batch(list(smiles_list)).to(model.device))
    return mu.cpu(), logvar.cpu()
