# base: solution
# mistake: the GRU output at the last real position
# caught: visible encoder_test
# named: output at the last position
# %% encoder_answer
def gru_encode(model, tokens):
    lengths = (tokens != PAD_ID).sum(1)
    packed = nn.utils.rnn.pack_padded_sequence(model.embed(tokens), lengths.cpu(), batch_first=True,
                                               enforce_sorted=False)
    out, _ = model.encoder_rnn(packed)
    out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
    h = out[torch.arange(tokens.shape[0]), lengths - 1]
    return model.to_mu(h), model.to_logvar(h)
