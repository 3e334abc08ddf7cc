# base: solution
# mistake: probabilities returned instead of logits
# caught: visible decoder_test
# named: you returned probabilities
# %% decoder_answer
def decode_logits(model, z, inputs, hidden=None):
    if hidden is None:
        hidden = torch.tanh(model.z_to_hidden(z)).unsqueeze(0)
    x = torch.cat([model.embed(inputs), z.unsqueeze(1).expand(-1, inputs.shape[1], -1)], dim=2)
    out, hidden = model.decoder_rnn(x, hidden)
    return torch.softmax(model.to_logits(out), -1), hidden
