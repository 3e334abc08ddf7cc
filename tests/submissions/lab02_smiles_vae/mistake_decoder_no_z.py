# base: solution
# mistake: the GRU reads only the token embedding (z only in the start state)
# caught: visible decoder_test
# named: concatenate z to each step's embedding
# %% decoder_answer
def decode_logits(model, z, inputs, hidden=None):
    if hidden is None:
        hidden = torch.tanh(model.z_to_hidden(z)).unsqueeze(0)
    x = model.embed(inputs)
    out, hidden = model.decoder_rnn(x, hidden)
    return model.to_logits(out), hidden
