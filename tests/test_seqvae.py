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


# -- issue #23's mutation audit: decoding loop, schedules, batching and input checks pinned by hand -----------


def _fixed_step(logits: torch.Tensor):
    """A decoder step that ignores its input: the same logits (vocab,) for every row and step."""
    def step(token: torch.Tensor, hidden: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        return logits.expand(token.shape[0], 1, -1).clone(), torch.zeros(1)
    return step


def test_decoding_starts_with_bos_and_writes_from_the_first_position(setup):
    _, model, _ = setup
    model.eval()
    out = model.generate(torch.randn(5, 8, generator=torch.Generator().manual_seed(0)), temperature=0.0, max_len=12)
    assert out.dtype == torch.long and out.shape == (5, 12)
    assert (out[:, 0] == Vocabulary.bos_id).all()
    assert (out[:, 1] != Vocabulary.pad_id).all()  # a token is chosen at step 1 (pad is never emitted)


def test_greedy_and_tempered_sampling_follow_softmax_of_logits_over_temperature():
    """Fixed logits: greedy takes the argmax of the emittable tokens (never <pad>, <bos>, <mask>); at T = 0.5 the
    first token's frequencies are softmax(logits / 0.5) over the emittable tokens (by hand, in float64)."""
    logits = torch.tensor([5.0, 4.0, -1.0, 3.0, 0.0, 1.0, 0.5, -0.5, 0.2])  # the largest three: pad, bos, mask
    greedy = seqvae.autoregressive_decode(_fixed_step(logits), 3, torch.device("cpu"), 0.0, 4)
    assert (greedy[:, 1] == 5).all()  # argmax over ids 2 and 4..8 (id 3 is <mask>)
    n = 20_000
    out = seqvae.autoregressive_decode(_fixed_step(logits), n, torch.device("cpu"), 0.5, 2,
                                       torch.Generator().manual_seed(0))
    emittable = [2, 4, 5, 6, 7, 8]
    weights = torch.exp(logits.double()[emittable] / 0.5)
    expected = weights / weights.sum()
    observed = torch.tensor([(out[:, 1] == i).double().mean().item() for i in emittable], dtype=torch.float64)
    assert set(out[:, 1].tolist()) <= set(emittable) and out.shape == (n, 2)
    assert torch.allclose(observed, expected, atol=4 * (0.25 / n) ** 0.5), (observed, expected)


def _kekule_grammar():
    from course_utils import grammar

    vocab = Vocabulary(["C", "N", "O", "F", "=", "(", ")", "1"], kind="kekule")
    return vocab, grammar.SmilesGrammar(vocab)


def test_decoding_under_a_grammar_only_emits_allowed_tokens():
    """Logits that favour tokens the grammar forbids (")" first, "=" after F): greedy decoding under the mask takes
    the best *allowed* token at each step, so it replays through state_after; sampling too, with rows finishing at
    different steps (a finished row gets <pad> and must not stall the others)."""
    vocab, g = _kekule_grammar()
    logits = torch.full((len(vocab),), -2.0)
    logits[vocab.stoi[")"]] = 6.0
    logits[vocab.stoi["F"]] = 5.0
    logits[vocab.stoi["="]] = 4.0
    logits[Vocabulary.eos_id] = 3.0
    greedy = seqvae.autoregressive_decode(_fixed_step(logits), 2, torch.device("cpu"), 0.0, 6, grammar=g)
    # "F" first (")" is refused), a second F on its one bond (F2), then nothing but <eos> fits: "FF", <eos>, <pad>
    f = vocab.stoi["F"]
    assert greedy[0].tolist() == [Vocabulary.bos_id, f, f, Vocabulary.eos_id, Vocabulary.pad_id, Vocabulary.pad_id]
    unmasked = seqvae.autoregressive_decode(_fixed_step(logits), 2, torch.device("cpu"), 0.0, 6)
    assert unmasked[0, 1].item() == vocab.stoi[")"]
    flat = torch.zeros(len(vocab))
    sampled = seqvae.autoregressive_decode(_fixed_step(flat), 200, torch.device("cpu"), 1.0, 12,
                                           torch.Generator().manual_seed(0), grammar=g)
    lengths = set()
    for row in sampled.tolist():
        ids = row[1:row.index(Vocabulary.eos_id)] if Vocabulary.eos_id in row else row[1:]
        g.state_after(ids)  # raises if the mask would have refused a token
        if Vocabulary.eos_id in row:
            lengths.add(len(ids))
            assert all(t == Vocabulary.pad_id for t in row[row.index(Vocabulary.eos_id) + 1:])
    assert len(lengths) > 3  # rows ended at different steps


class _NoGrammarVAE(seqvae.SmilesVAE):
    """Like lab 02's StudentVAE: a generate() without a grammar parameter."""

    @torch.no_grad()
    def generate(self, z, temperature=1.0, max_len=None, generator=None):
        return super().generate(z, temperature, max_len, generator)


def test_sample_and_reconstruct_pass_the_grammar_only_when_given(setup):
    _, model, tokens = setup
    vocab, g = _kekule_grammar()
    kek = seqvae.SmilesVAE(seqvae.SeqVAEConfig(len(vocab), embed_dim=8, encoder_hidden=8, decoder_hidden=8,
                                               latent_dim=4, max_len=16))
    for ids in kek.sample(30, generator=torch.Generator().manual_seed(0), grammar=g).tolist():
        g.state_after([t for t in ids[1:] if t not in (Vocabulary.eos_id, Vocabulary.pad_id)])
    kek_tokens = vocab.encode_batch(["CCO", "C1CC1"])
    for ids in kek.reconstruct(kek_tokens, grammar=g).tolist():
        g.state_after([t for t in ids[1:] if t not in (Vocabulary.eos_id, Vocabulary.pad_id)])
    student = _NoGrammarVAE(model.config)
    student.load_state_dict(model.state_dict())
    assert torch.equal(student.sample(4, generator=torch.Generator().manual_seed(2)),
                       model.sample(4, generator=torch.Generator().manual_seed(2)))
    assert torch.equal(student.reconstruct(tokens), model.reconstruct(tokens))


def test_scratch_schedules_by_hand_at_the_edges():
    assert seqvae.scratch_beta(0, 1) == 0.0 and seqvae.scratch_beta(1, 1) == 0.5
    assert seqvae.scratch_lr(0, 1) == 1.0 and seqvae.scratch_lr(1, 1) == pytest.approx(0.1)
    assert seqvae.scratch_lr(85, 100) == pytest.approx(1 - 0.9 * 0.5)        # halfway down the ramp
    assert seqvae.scratch_lr(300, 100) == pytest.approx(0.1)                 # and it stays at 0.1 after the end
    with pytest.raises(ValueError, match="total_steps"):
        seqvae.scratch_lr(0, 0)


def test_sequence_loss_takes_the_tokens_out_of_a_batch_tuple(setup):
    _, model, tokens = setup
    model.config.word_dropout = 0.0
    y = torch.randn(len(MOLS), 2)
    torch.manual_seed(3)
    plain = seqvae.sequence_loss(model, tokens, beta=0.5)
    torch.manual_seed(3)
    packed = seqvae.sequence_loss(model, (tokens, y), beta=0.5)
    torch.testing.assert_close(packed.loss, plain.loss)
    torch.testing.assert_close(packed.reconstruction, plain.reconstruction)


def test_padding_embeds_to_zero_and_learns_nothing(setup):
    _, model, tokens = setup
    assert model.embed.padding_idx == Vocabulary.pad_id
    assert not model.embed.weight[Vocabulary.pad_id].any()
    model.config.word_dropout = 0.0
    seqvae.sequence_elbo(model, tokens, beta=1.0).loss.backward()
    assert not model.embed.weight.grad[Vocabulary.pad_id].any() and model.embed.weight.grad[4:].abs().sum() > 0


def test_bad_inputs_are_named(setup):
    _, model, tokens = setup
    with pytest.raises(ValueError, match=r"^z must have shape \(8, 8\)"):
        model.decode(torch.zeros(8, 3), tokens[:, :-1])
    with pytest.raises(ValueError, match=r"^tokens must have shape"):
        model.encode(tokens[0])
    with pytest.raises(ValueError, match="all-padding row"):
        model.encode(torch.cat([tokens[:2], torch.zeros(1, tokens.shape[1], dtype=torch.long)]))
    only_bos = torch.tensor([[Vocabulary.bos_id, 0, 0], [Vocabulary.bos_id, 5, Vocabulary.eos_id]])
    mu, logvar = model.encode(only_bos)  # <bos> alone is a sequence of length 1
    assert mu.shape == (2, 8) and torch.isfinite(mu).all()


def test_word_dropout_is_reproducible_and_drops_every_token_at_p_1(setup):
    _, model, _ = setup
    model.train()
    inputs = torch.randint(4, 10, (50, 12))
    inputs[:, 0] = Vocabulary.bos_id
    inputs[:, 9:] = Vocabulary.pad_id
    model.config.word_dropout = 0.4
    a = model.word_dropout(inputs, generator=torch.Generator().manual_seed(5))
    b = model.word_dropout(inputs, generator=torch.Generator().manual_seed(5))
    expected = torch.rand(inputs.shape, generator=torch.Generator().manual_seed(5)) < 0.4
    expected[:, 0] = False
    expected[:, 9:] = False
    assert torch.equal(a, b) and torch.equal(a == Vocabulary.mask_id, expected)
    model.config.word_dropout = 1.0
    every = model.word_dropout(inputs)
    assert (every[:, 1:9] == Vocabulary.mask_id).all() and torch.equal(every[:, [0, 9, 10, 11]],
                                                                       inputs[:, [0, 9, 10, 11]])


def test_bucket_batches_defaults_aligned_tensors_and_length():
    vocab = Vocabulary.build(MOLS)
    tokens = vocab.encode_batch(MOLS * 900, max_len=30)  # 7,200 rows: more than one default bucket of 128 x 50
    explicit = list(seqvae.bucket_batches(tokens, batch_size=128, seed=0, bucket=50))
    default = list(seqvae.bucket_batches(tokens))
    assert len(default) == len(explicit) == 57 and all(torch.equal(a, b) for a, b in zip(default, explicit,
                                                                                         strict=True))
    other_bucket = list(seqvae.bucket_batches(tokens, batch_size=128, seed=0, bucket=51))
    assert not all(torch.equal(a, b) for a, b in zip(default, other_bucket, strict=True))
    small = vocab.encode_batch(MOLS * 10 + MOLS[:1], max_len=30)  # 81 rows
    assert len(seqvae.bucket_batches(small, batch_size=16)) == 6 == len(list(seqvae.bucket_batches(small, 16)))
    y = torch.arange(81.0).unsqueeze(1).expand(81, 3)
    for batch_tokens, batch_y in seqvae.bucket_batches(small, 16, aligned=(y,)):
        rows = batch_y[:, 0].long()
        assert torch.equal(batch_tokens, small[rows, : batch_tokens.shape[1]])
    with pytest.raises(ValueError, match="81 rows"):
        seqvae.bucket_batches(small, 16, aligned=(y[:80],))


def test_bucket_batches_sort_each_bucket_stably_by_length():
    """Replayed by hand: the same permutation from the seed, each bucket sorted by length with Python's stable
    sort, cut into batches, the batches shuffled by the next permutation."""
    vocab = Vocabulary.build(MOLS)
    tokens = vocab.encode_batch(MOLS * 40, max_len=30)
    lengths = (tokens != Vocabulary.pad_id).sum(1).tolist()
    gen = torch.Generator().manual_seed(7)
    order = torch.randperm(len(tokens), generator=gen).tolist()
    span = 8 * 10
    batches = []
    for start in range(0, len(order), span):
        chunk = sorted(order[start:start + span], key=lambda i: lengths[i])
        batches += [chunk[i:i + 8] for i in range(0, len(chunk), 8)]
    expected = [batches[b] for b in torch.randperm(len(batches), generator=gen).tolist()]
    got = list(seqvae.bucket_batches(tokens, batch_size=8, seed=7, bucket=10))
    assert len(got) == len(expected)
    for idx, batch in zip(expected, got, strict=True):
        assert torch.equal(batch, tokens[idx, : max(lengths[i] for i in idx)])


def test_checkpoints_round_trip_in_the_training_scripts_format(setup, tmp_path):
    """The format scripts/train_smiles_vae.py saves (float16 weights, config, vocabulary; a conditional model adds
    its condition names and standardizer): load_checkpoint rebuilds the same model, in eval mode, float32."""
    from dataclasses import asdict

    from course_utils import cvae

    vocab, model, tokens = setup
    assert model.config_dict() == asdict(model.config) and model.config_dict()["latent_dim"] == 8
    path = tmp_path / "m.pt"
    torch.save({"config": model.config_dict(), "vocab": vocab.to_json(),
                "state_dict": {k: v.half() for k, v in model.state_dict().items()}}, path)
    loaded, loaded_vocab = seqvae.load_checkpoint(path)
    assert type(loaded) is seqvae.SmilesVAE and not loaded.training and loaded_vocab == vocab
    assert loaded.config == model.config
    for name, value in model.state_dict().items():
        assert loaded.state_dict()[name].dtype == torch.float32
        torch.testing.assert_close(loaded.state_dict()[name], value.half().float())

    cond = cvae.ConditionalSmilesVAE(model.config, 2, ["logp", "qed"], None)
    torch.save({"config": cond.config_dict(), "vocab": vocab.to_json(),
                "condition": {"names": ["logp", "qed"], "mean": [1.5, 0.6], "std": [2.0, 0.2]},
                "state_dict": {k: v.half() for k, v in cond.state_dict().items()}}, path)
    loaded, _ = seqvae.load_checkpoint(path, device="cpu")
    assert isinstance(loaded, cvae.ConditionalSmilesVAE) and list(loaded.condition_names) == ["logp", "qed"]
    torch.testing.assert_close(loaded.standardizer.mean, torch.tensor([1.5, 0.6]))
    torch.testing.assert_close(loaded.standardizer.std, torch.tensor([2.0, 0.2]))


def test_the_shipped_weights_load_with_their_grammar():
    from course_utils import cvae, grammar

    model, vocab = seqvae.load_pretrained()
    assert vocab.kind == "kekule" and not model.training and model.device.type == "cpu"
    assert isinstance(seqvae.default_grammar(vocab), grammar.SmilesGrammar)
    assert seqvae.default_grammar(vocab).vocab is vocab
    aromatic, aromatic_vocab = seqvae.load_pretrained("smiles_vae_aromatic")
    assert aromatic_vocab.kind == "smiles" and seqvae.default_grammar(aromatic_vocab) is None
    conditional, _ = seqvae.load_pretrained("smiles_cvae")
    assert isinstance(conditional, cvae.ConditionalSmilesVAE)
    with pytest.raises(FileNotFoundError, match="available: .*smiles_vae"):
        seqvae.load_pretrained("no_such_model")


def test_checkpoints_load_onto_the_device_asked_for_and_never_unpickle_code(setup, tmp_path):
    """``device`` is honoured (PyTorch's "meta" device stands in for a GPU here: no data, a real device), and
    a checkpoint holding an arbitrary Python object is refused (weights_only: loading runs no pickled code)."""
    import pickle

    vocab, model, _ = setup
    path = tmp_path / "m.pt"
    checkpoint = {"config": model.config_dict(), "vocab": vocab.to_json(),
                  "state_dict": {k: v.half() for k, v in model.state_dict().items()}}
    torch.save(checkpoint, path)
    assert seqvae.load_checkpoint(path, device="meta")[0].device.type == "meta"
    assert seqvae.load_checkpoint(path)[0].device.type == "cpu"
    assert seqvae.load_pretrained(device="meta")[0].device.type == "meta"
    torch.save({**checkpoint, "recipe": _NoGrammarVAE}, path)  # a class: unpickling it would import code
    with pytest.raises(pickle.UnpicklingError):
        seqvae.load_checkpoint(path)
