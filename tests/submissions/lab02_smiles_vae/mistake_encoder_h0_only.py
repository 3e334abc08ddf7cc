# base: solution
# mistake: only h[0], the forward state (a shape error)
# caught: visible encoder_test
# named: 2 * encoder_hidden
# %% encoder_answer
def gru_encode(model, tokens):
    lengths = (tokens != PAD_ID).sum(1)
    packed = nn.utils.rnn.pack_padded_sequence(model.embed(tokens), lengths.cpu(), batch_first=True,
                                               enforce_sorted=False)
    _, h = model.encoder_rnn(packed)
    h = h[0]
    return model.to_mu(h), model.to_logvar(h)
