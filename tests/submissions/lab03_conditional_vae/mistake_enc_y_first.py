# base: solution
# mistake: y concatenated before the embedding
# caught: visible encoder_test
# named: y comes before the embedding
# %% encoder_answer
def cond_encode(model, tokens, y):
    lengths = (tokens != PAD_ID).sum(1)
    x = torch.cat([y.unsqueeze(1).expand(-1, tokens.shape[1], -1), model.embed(tokens)], dim=2)
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    _, h = model.encoder_rnn(packed)
    h = torch.cat([h[0], h[1]], dim=1)
    return model.to_mu(h), model.to_logvar(h)
