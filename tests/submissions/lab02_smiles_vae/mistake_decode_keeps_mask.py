# base: solution
# mistake: decode writes <mask> out
# caught: visible codec_test
# named: <mask> was written out
# %% codec_answer
def encode(smiles_string, vocab):
    ids = [BOS_ID]
    for token in tokenize(smiles_string):
        if token not in vocab.stoi:
            raise ValueError(f"token {token!r} of {smiles_string!r} is not in the vocabulary")
        ids.append(vocab.stoi[token])
    return ids + [EOS_ID]


def decode(ids, vocab):
    out = []
    for i in ids:
        i = int(i)
        if i == EOS_ID:
            break
        if i in (PAD_ID, BOS_ID):
            continue
        out.append(vocab.itos[i])
    return "".join(out)
