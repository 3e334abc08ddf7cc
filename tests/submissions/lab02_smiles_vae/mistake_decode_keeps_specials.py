# base: solution
# mistake: decode writes <bos>/<pad> out
# caught: visible codec_test
# named: special tokens were written out
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
        if int(i) == EOS_ID:
            break
        out.append(vocab.itos[int(i)])
    return "".join(out)
