# base: solution
# mistake: the GRU starts from zeros (hidden None passed on)
# caught: visible decoder_test
# named: started from zeros
# %% decoder_answer
def decode_logits(model, z, inputs, hidden=None):
    x = torch.cat([model.embed(inputs), z.unsqueeze(1).expand(-1, inputs.shape[1], -1)], dim=2)
    out, hidden = model.decoder_rnn(x, hidden)
    return model.to_logits(out), hidden
