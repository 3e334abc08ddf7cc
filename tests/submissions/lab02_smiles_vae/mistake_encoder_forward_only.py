# base: solution
# mistake: only the forward direction's state (twice)
# caught: visible encoder_test
# named: only the forward direction
# %% encoder_answer
def gru_encode(model, tokens):
    lengths = (tokens != PAD_ID).sum(1)
    packed = nn.utils.rnn.pack_padded_sequence(model.embed(tokens), lengths.cpu(), batch_first=True,
                                               enforce_sorted=False)
    _, h = model.encoder_rnn(packed)
    h = torch.cat([h[0], h[0]], dim=1)
    return model.to_mu(h), model.to_logvar(h)
