# base: solution
# mistake: padded sequences fed to the GRU without packing
# caught: visible encoder_test
# named: pack the sequence
# %% encoder_answer
def cond_encode(model, tokens, y):
    x = torch.cat([model.embed(tokens), y.unsqueeze(1).expand(-1, tokens.shape[1], -1)], dim=2)
    _, h = model.encoder_rnn(x)
    h = torch.cat([h[0], h[1]], dim=1)
    return model.to_mu(h), model.to_logvar(h)
