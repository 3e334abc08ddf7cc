# base: solution
# mistake: no tanh on the z-to-hidden map
# caught: visible decoder_test
# named: the start state has no tanh
# %% decoder_answer
def decode_logits(model, z, inputs, hidden=None):
    if hidden is None:
        hidden = model.z_to_hidden(z).unsqueeze(0)
    x = torch.cat([model.embed(inputs), z.unsqueeze(1).expand(-1, inputs.shape[1], -1)], dim=2)
    out, hidden = model.decoder_rnn(x, hidden)
    return model.to_logits(out), hidden
