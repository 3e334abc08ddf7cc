# base: solution
# mistake: the code before the embedding at each step
# caught: visible decoder_test
# named: the embedding comes first
# %% decoder_answer
def cond_decode(model, z, y, inputs, hidden=None):
    c = torch.cat([z, y], dim=1)
    if hidden is None:
        hidden = torch.tanh(model.z_to_hidden(c)).unsqueeze(0)
    x = torch.cat([c.unsqueeze(1).expand(-1, inputs.shape[1], -1), model.embed(inputs)], dim=2)
    out, hidden = model.decoder_rnn(x, hidden)
    return model.to_logits(out), hidden
