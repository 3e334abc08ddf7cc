"""The GRU SMILES VAE: shapes, padding, teacher forcing vs generation, word dropout, learning."""

import itertools

import pytest
import torch

from course_utils import seqvae, training
from course_utils.smiles import Vocabulary

MOLS = ["CCO", "c1ccccc1", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC", "O=C(O)c1ccccc1", "CC(C)Cl", "C1CCNCC1", "COc1ccccc1"]


@pytest.fixture
def setup():
    training.seed_everything(0)
    vocab = Vocabulary.build(MOLS)
    model = seqvae.SmilesVAE(seqvae.SeqVAEConfig(len(vocab), embed_dim=16, encoder_hidden=24, decoder_hidden=32,
                                                 latent_dim=8, max_len=24))
    return vocab, model, vocab.encode_batch(MOLS)


def test_forward_shapes(setup):
    vocab, model, tokens = setup
    logits, mu, logvar = model(tokens)
    assert logits.shape == (len(MOLS), tokens.shape[1] - 1, len(vocab))
    assert mu.shape == logvar.shape == (len(MOLS), 8)


def test_encoder_ignores_padding(setup):
    _, model, tokens = setup
    padded = torch.cat([tokens, torch.zeros(len(MOLS), 7, dtype=torch.long)], dim=1)
    torch.testing.assert_close(model.encode(tokens)[0], model.encode(padded)[0])


def test_greedy_generation_agrees_with_teacher_forcing(setup):
    """Feeding the generated tokens back with teacher forcing reproduces them as argmax predictions."""
    _, model, _ = setup
    model.eval()
    z = torch.randn(5, 8, generator=torch.Generator().manual_seed(0))
    out = model.generate(z, temperature=0.0, max_len=12)
    logits, _ = model.decode(z, out[:, :-1])
    logits[..., [Vocabulary.pad_id, Vocabulary.bos_id, Vocabulary.mask_id]] = -float("inf")  # never generated
    pred = logits.argmax(-1)
    for row in range(5):
        for t in range(1, 12):
            if out[row, t] == Vocabulary.pad_id:
                break
            assert pred[row, t - 1] == out[row, t]
    ended = (out == Vocabulary.eos_id).cumsum(1) > 0
    after_eos = ended & (out != Vocabulary.eos_id)
    assert (out[after_eos] == Vocabulary.pad_id).all()


def test_sampling_is_reproducible_with_a_generator(setup):
    _, model, _ = setup
    a = model.sample(6, temperature=1.0, generator=torch.Generator().manual_seed(3))
    b = model.sample(6, temperature=1.0, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match="temperature"):
        model.generate(torch.zeros(1, 8), temperature=-1)


def test_word_dropout_masks_the_requested_share_but_never_bos_or_padding(setup):
    _, model, _ = setup
    model.config.word_dropout = 0.3
    inputs = torch.randint(4, 10, (400, 30))
    inputs[:, 0] = Vocabulary.bos_id
    inputs[:, 20:] = Vocabulary.pad_id
    dropped = model.train().word_dropout(inputs, generator=torch.Generator().manual_seed(0))
    masked = dropped == Vocabulary.mask_id
    assert not masked[:, 0].any() and not masked[:, 20:].any()
    assert masked[:, 1:20].float().mean().item() == pytest.approx(0.3, abs=0.02)
    assert torch.equal(model.eval().word_dropout(inputs), inputs)


def test_sequence_elbo_scores_only_real_tokens(setup):
    """The reconstruction term equals a hand-written masked cross-entropy (log-softmax and gather)."""
    _, model, tokens = setup
    model.config.word_dropout = 0.0
    torch.manual_seed(1)
    terms = seqvae.sequence_elbo(model, tokens, beta=0.0)
    torch.manual_seed(1)
    logits, _, _ = model(tokens)
    targets = tokens[:, 1:]
    logp = torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    expected = -(logp * (targets != Vocabulary.pad_id)).sum(1).mean()
    torch.testing.assert_close(terms.reconstruction, expected)


def test_a_small_model_learns_to_reconstruct_its_training_molecules(setup):
    vocab, model, tokens = setup
    model.config.word_dropout = 0.0
    training.train(model, [tokens], seqvae.sequence_loss, epochs=300, lr=1e-2, beta=0.01, clip_grad_norm=1.0,
                   device="cpu", progress=False)
    decoded = vocab.decode_batch(model.reconstruct(tokens))
    assert sum(d == m for d, m in zip(decoded, MOLS, strict=True)) >= 6, decoded


def test_bucket_batches_cover_every_molecule_once_per_epoch_and_trim_padding():
    vocab = Vocabulary.build(MOLS)
    tokens = vocab.encode_batch(MOLS * 10, max_len=30)
    loader = seqvae.bucket_batches(tokens, batch_size=16, seed=0, bucket=2)
    batches = list(loader)
    assert len(batches) == len(loader) == 5
    assert sum(b.shape[0] for b in batches) == 80
    assert all((b[:, -1] != Vocabulary.pad_id).any() for b in batches)  # trimmed to the longest
    assert all(torch.equal(x, y) for x, y in zip(batches, list(seqvae.bucket_batches(tokens, 16, 0, 2)), strict=True))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_runs_on_cuda(setup):
    vocab, model, tokens = setup
    model.cuda()
    logits, _, _ = model(tokens.cuda())
    assert logits.is_cuda and model.sample(4).shape[0] == 4


def test_scratch_schedules_are_fractions_of_the_run():
    """Lab 02's recipe must keep its shape whatever the number of steps the machine manages."""
    for total in (200, 1384, 5000):
        betas = [seqvae.scratch_beta(s, total) for s in range(total)]
        lrs = [seqvae.scratch_lr(s, total) for s in range(total)]
        assert betas[0] == 0.0 and betas[total // 4] == pytest.approx(0.25, abs=1e-2)
        assert betas[total // 2:] == [0.5] * (total - total // 2)
        assert lrs[: int(0.7 * total)] == [1.0] * int(0.7 * total)
        assert seqvae.scratch_lr(total, total) == pytest.approx(0.1) and lrs[-1] < 0.12
        assert all(a >= b for a, b in itertools.pairwise(lrs))
    with pytest.raises(ValueError):
        seqvae.scratch_beta(0, 0)


def _gru_numpy(xs, h, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's GRU equations written out (r, z, n gates in that order), float64; returns (outputs, last h)."""
    import numpy as np

    def sigmoid(a):
        return 1.0 / (1.0 + np.exp(-a))

    outs = []
    for x in xs:
        gi, gh = w_ih @ x + b_ih, w_hh @ h + b_hh
        ir, iz, in_ = np.split(gi, 3)
        hr, hz, hn = np.split(gh, 3)
        r, z = sigmoid(ir + hr), sigmoid(iz + hz)
        n = np.tanh(in_ + r * hn)
        h = (1 - z) * n + z * h
        outs.append(h)
    return np.array(outs), h


def _bigru_heads_numpy(w, xs):
    """The bidirectional encoder GRU over one unpadded sequence of inputs xs (steps, features), by hand:
    the forward and backward last states joined, then the mu and logvar heads; (mu, logvar) in float64."""
    import numpy as np

    hid = w["encoder_rnn.weight_hh_l0"].shape[1]
    last = []
    for suffix, seq in (("", xs), ("_reverse", xs[::-1])):
        _, h = _gru_numpy(seq, np.zeros(hid), w[f"encoder_rnn.weight_ih_l0{suffix}"],
                          w[f"encoder_rnn.weight_hh_l0{suffix}"], w[f"encoder_rnn.bias_ih_l0{suffix}"],
                          w[f"encoder_rnn.bias_hh_l0{suffix}"])
        last.append(h)
    h = np.concatenate(last)
    return w["to_mu.weight"] @ h + w["to_mu.bias"], w["to_logvar.weight"] @ h + w["to_logvar.bias"]


def test_encode_and_decode_follow_the_gru_equations_by_hand(setup):
    """Labs 02 and 03 grade the student's encoder and decoder against SmilesVAE.encode/decode (and lab 02's
    visible test against mistakes.lab02.gru_encode_one_by_one): pinned here
    against the GRU equations in NumPy. Encoder: each molecule alone, without its padding, forward over its
    tokens and backward over them reversed, the two last states joined, then the mu and logvar heads.
    Decoder: h0 = tanh(z_to_hidden(z)), each step's input = [embed(token), z], logits from every state."""
    import numpy as np

    vocab, model, tokens = setup
    model.eval()
    w = {k: v.detach().double().numpy() for k, v in model.state_dict().items()}
    from course_utils.mistakes.lab02 import gru_encode_one_by_one  # lab 02's visible expected value

    mu, logvar = (t.detach().double().numpy() for t in model.encode(tokens))
    one_by_one = [t.detach().double().numpy() for t in gru_encode_one_by_one(model, tokens)]
    for i, row in enumerate(tokens):
        expected_mu, expected_logvar = _bigru_heads_numpy(w, w["embed.weight"][row[row != vocab.pad_id].numpy()])
        for got in (mu[i], one_by_one[0][i]):
            np.testing.assert_allclose(got, expected_mu, rtol=1e-4, atol=1e-5)
        for got in (logvar[i], one_by_one[1][i]):
            np.testing.assert_allclose(got, expected_logvar, rtol=1e-4, atol=1e-5)

    z = torch.randn(len(MOLS), 8, generator=torch.Generator().manual_seed(1))
    inputs = tokens[:, :-1]
    logits, hidden = model.decode(z, inputs)
    for i in range(len(MOLS)):
        zi = z[i].double().numpy()
        h0 = np.tanh(w["z_to_hidden.weight"] @ zi + w["z_to_hidden.bias"])
        xs = [np.concatenate([w["embed.weight"][t], zi]) for t in inputs[i].numpy()]
        outs, last = _gru_numpy(xs, h0, w["decoder_rnn.weight_ih_l0"], w["decoder_rnn.weight_hh_l0"],
                                w["decoder_rnn.bias_ih_l0"], w["decoder_rnn.bias_hh_l0"])
        expected = outs @ w["to_logits.weight"].T + w["to_logits.bias"]
        np.testing.assert_allclose(logits[i].detach().double().numpy(), expected, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(hidden[0, i].detach().double().numpy(), last, rtol=1e-4, atol=1e-5)
