# base: solution
# mistake: the GRU state reshaped to (batch, -1) (directions and batch mixed)
# caught: visible encoder_test
# named: mixes the direction and batch axes
# %% encoder_answer
def cond_encode(model, tokens, y):
    lengths = (tokens != PAD_ID).sum(1)
    x = torch.cat([model.embed(tokens), y.unsqueeze(1).expand(-1, tokens.shape[1], -1)], dim=2)
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    _, h = model.encoder_rnn(packed)
    h = h.reshape(tokens.shape[0], -1)
    return model.to_mu(h), model.to_logvar(h)
