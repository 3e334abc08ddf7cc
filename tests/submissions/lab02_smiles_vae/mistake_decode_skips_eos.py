# base: solution
# mistake: decode skips <eos> instead of stopping
# caught: visible codec_test
# named: stop (break) at the first <eos>
# %% codec_answer
def encode(smiles_string, vocab):
    ids = [BOS_ID]
    for token in tokenize(smiles_string):
        if token not in vocab.stoi:
            raise ValueError(f"token {token!r} of {smiles_string!r} is not in the vocabulary")
        ids.append(vocab.stoi[token])
    return ids + [EOS_ID]


def decode(ids, vocab):
    return "".join(vocab.itos[int(i)] for i in ids if int(i) not in (PAD_ID, BOS_ID, EOS_ID, MASK_ID))
