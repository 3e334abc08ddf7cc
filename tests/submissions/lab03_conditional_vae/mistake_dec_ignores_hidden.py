# base: solution
# mistake: the given hidden state ignored (always restarted from z and y)
# caught: visible decoder_test
# named: the hidden state you are given is ignored
# %% decoder_answer
def cond_decode(model, z, y, inputs, hidden=None):
    c = torch.cat([z, y], dim=1)
    if True:
        hidden = torch.tanh(model.z_to_hidden(c)).unsqueeze(0)
    x = torch.cat([model.embed(inputs), c.unsqueeze(1).expand(-1, inputs.shape[1], -1)], dim=2)
    out, hidden = model.decoder_rnn(x, hidden)
    return model.to_logits(out), hidden
