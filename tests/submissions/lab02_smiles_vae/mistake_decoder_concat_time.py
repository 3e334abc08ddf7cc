# base: solution
# mistake: z concatenated along the steps (dim=1)
# caught: visible decoder_test
# named: concatenated along the wrong dimension
# %% decoder_answer
def decode_logits(model, z, inputs, hidden=None):
    if hidden is None:
        hidden = torch.tanh(model.z_to_hidden(z)).unsqueeze(0)
    x = torch.cat([model.embed(inputs), z.unsqueeze(1)], dim=1)
    out, hidden = model.decoder_rnn(x, hidden)
    return model.to_logits(out), hidden
