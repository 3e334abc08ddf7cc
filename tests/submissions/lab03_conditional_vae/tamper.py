# base: solution
# Two broken answers whose tests are tampered with, and inflated points elsewhere.
# Graded as if untouched: the broken pieces score 0 and the maximum stays the same.
# %% standardize_answer
def standardize(values, mean=None, std=None):
    mean, std = values.mean(0), values.std(0)  # wrong: ignores the training statistics it is given
    return (values - mean) / std, mean, std
# %% standardize_test
pass
# %% decoder_answer
def cond_decode(model, z, y, inputs, hidden=None):
    c = torch.cat([z, y], dim=1)
    if hidden is None:
        hidden = torch.tanh(model.z_to_hidden(c)).unsqueeze(0)
    zeros = torch.zeros_like(y)  # wrong: y only reaches the starting state, not the steps
    x = torch.cat([model.embed(inputs), torch.cat([z, zeros], 1).unsqueeze(1).expand(-1, inputs.shape[1], -1)], dim=2)
    out, hidden = model.decoder_rnn(x, hidden)
    return model.to_logits(out), hidden
# %% decoder_test delete
# %% evaluation_test points=100
