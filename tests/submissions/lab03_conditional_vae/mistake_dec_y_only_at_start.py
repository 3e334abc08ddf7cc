# base: solution
# mistake: y only in the starting state (zeros in its place at the steps)
# caught: visible decoder_test
# named: y only reaches the starting state
# %% decoder_answer
def cond_decode(model, z, y, inputs, hidden=None):
    c = torch.cat([z, y], dim=1)
    c_steps = torch.cat([z, torch.zeros_like(y)], dim=1)
    if hidden is None:
        hidden = torch.tanh(model.z_to_hidden(c)).unsqueeze(0)
    x = torch.cat([model.embed(inputs), c_steps.unsqueeze(1).expand(-1, inputs.shape[1], -1)], dim=2)
    out, hidden = model.decoder_rnn(x, hidden)
    return model.to_logits(out), hidden
