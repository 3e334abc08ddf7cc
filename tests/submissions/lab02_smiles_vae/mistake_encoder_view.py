# base: solution
# mistake: h.view(batch, -1) mixes the molecules
# caught: visible encoder_test
# named: mixes the molecules
# %% encoder_answer
def gru_encode(model, tokens):
    lengths = (tokens != PAD_ID).sum(1)
    packed = nn.utils.rnn.pack_padded_sequence(model.embed(tokens), lengths.cpu(), batch_first=True,
                                               enforce_sorted=False)
    _, h = model.encoder_rnn(packed)
    h = h.reshape(tokens.shape[0], -1)
    return model.to_mu(h), model.to_logvar(h)
