# base: solution
# mistake: backward state first
# caught: visible encoder_test
# named: the two directions are swapped
# %% encoder_answer
def gru_encode(model, tokens):
    lengths = (tokens != PAD_ID).sum(1)
    packed = nn.utils.rnn.pack_padded_sequence(model.embed(tokens), lengths.cpu(), batch_first=True,
                                               enforce_sorted=False)
    _, h = model.encoder_rnn(packed)
    h = torch.cat([h[1], h[0]], dim=1)
    return model.to_mu(h), model.to_logvar(h)
