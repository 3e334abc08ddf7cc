# base: solution
# mistake: z concatenated before the embedding
# caught: visible decoder_test
# named: z is placed before the token embedding
# %% decoder_answer
def decode_logits(model, z, inputs, hidden=None):
    if hidden is None:
        hidden = torch.tanh(model.z_to_hidden(z)).unsqueeze(0)
    x = torch.cat([z.unsqueeze(1).expand(-1, inputs.shape[1], -1), model.embed(inputs)], dim=2)
    out, hidden = model.decoder_rnn(x, hidden)
    return model.to_logits(out), hidden
