# base: solution
# mistake: vocab.stoi[token] raises KeyError for an unknown token
# caught: visible codec_test
# named: KeyError is not a
# %% codec_answer
def encode(smiles_string, vocab):
    return [BOS_ID] + [vocab.stoi[token] for token in tokenize(smiles_string)] + [EOS_ID]


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
