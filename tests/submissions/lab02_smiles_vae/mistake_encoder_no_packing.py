# base: solution
# mistake: the padded batch goes to the GRU unpacked
# caught: visible encoder_test
# named: padding reached the GRU
# %% encoder_answer
def gru_encode(model, tokens):
    _, h = model.encoder_rnn(model.embed(tokens))
    h = torch.cat([h[0], h[1]], dim=1)
    return model.to_mu(h), model.to_logvar(h)
