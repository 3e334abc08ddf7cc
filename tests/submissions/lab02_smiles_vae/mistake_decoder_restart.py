# base: solution
# mistake: the hidden state passed in is ignored
# caught: visible decoder_test
# named: every call restarted from z
# %% decoder_answer
def decode_logits(model, z, inputs, hidden=None):
    hidden = torch.tanh(model.z_to_hidden(z)).unsqueeze(0)
    x = torch.cat([model.embed(inputs), z.unsqueeze(1).expand(-1, inputs.shape[1], -1)], dim=2)
    out, hidden = model.decoder_rnn(x, hidden)
    return model.to_logits(out), hidden
