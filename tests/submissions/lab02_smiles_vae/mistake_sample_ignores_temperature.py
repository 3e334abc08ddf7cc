# base: solution
# mistake: the temperature is ignored (greedy kept)
# caught: visible sample_test
# named: temperature is ignored
# %% sample_answer
def sample_tokens(model, z, temperature=1.0, max_len=60, generator=None):
    n = z.shape[0]
    out = torch.full((n, max_len), PAD_ID, dtype=torch.long, device=z.device)
    out[:, 0] = BOS_ID
    token, hidden = out[:, :1], None
    finished = torch.zeros(n, dtype=torch.bool, device=z.device)
    for t in range(1, max_len):
        logits, hidden = decode_logits(model, z, token, hidden)
        logits = logits[:, -1]
        logits[:, [PAD_ID, BOS_ID, MASK_ID]] = -float("inf")
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:
            probs = torch.softmax(logits, dim=-1)
            nxt = torch.multinomial(probs.cpu(), 1, generator=generator).squeeze(1).to(z.device)
        nxt = nxt.masked_fill(finished, PAD_ID)
        out[:, t] = nxt
        finished |= nxt == EOS_ID
        token = nxt.unsqueeze(1)
        if finished.all():
            break
    return out
