# base: solution
# mistake: start state without unsqueeze(0)
# caught: visible decoder_test
# named: (1, batch, hidden)
# %% decoder_answer
def decode_logits(model, z, inputs, hidden=None):
    if hidden is None:
        hidden = torch.tanh(model.z_to_hidden(z))
    x = torch.cat([model.embed(inputs), z.unsqueeze(1).expand(-1, inputs.shape[1], -1)], dim=2)
    out, hidden = model.decoder_rnn(x, hidden)
    return model.to_logits(out), hidden
