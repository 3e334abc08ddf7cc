# base: solution
# mistake: encode without <bos> and <eos>
# caught: visible codec_test
# named: <bos> first and <eos> last
# %% codec_answer
def encode(smiles_string, vocab):
    return [vocab.stoi[token] for token in tokenize(smiles_string)]


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
