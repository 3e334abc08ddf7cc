# base: solution
# mistake: unknown tokens skipped (stoi.get)
# caught: visible codec_test
# named: skipped or replaced
# %% codec_answer
def encode(smiles_string, vocab):
    ids = [vocab.stoi.get(token) for token in tokenize(smiles_string)]
    return [BOS_ID] + [i for i in ids if i is not None] + [EOS_ID]


def decode(ids, vocab):
    out = []
    for i in ids:
        i = int(i)
        if i == EOS_ID:
            break
        if i in (PAD_ID, BOS_ID, MASK_ID):
            continue
        out.append(vocab.itos[i])
    return "".join(out)
