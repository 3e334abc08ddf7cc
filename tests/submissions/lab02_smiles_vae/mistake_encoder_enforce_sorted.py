# base: solution
# mistake: pack_padded_sequence without enforce_sorted=False
# caught: visible encoder_test
# named: enforce_sorted=False
# %% encoder_answer
def gru_encode(model, tokens):
    lengths = (tokens != PAD_ID).sum(1)
    packed = nn.utils.rnn.pack_padded_sequence(model.embed(tokens), lengths.cpu(), batch_first=True)
    _, h = model.encoder_rnn(packed)
    h = torch.cat([h[0], h[1]], dim=1)
    return model.to_mu(h), model.to_logvar(h)
