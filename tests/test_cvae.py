"""Does the conditional VAE really condition both the encoder and the decoder on y?"""

import pytest
import torch

from course_utils.cvae import ConditionalVAE


def test_encoder_reads_x_and_y_and_decoder_reads_z_and_y():
    model = ConditionalVAE(input_dim=10, cond_dim=3, hidden_dims=[16], latent_dim=4)
    assert model.encoder.body[0].in_features == 10 + 3
    assert model.decoder.net[0].in_features == 4 + 3
    out, mu, logvar = model(torch.randn(5, 10), torch.randn(5, 3))
    assert out.shape == (5, 10) and mu.shape == logvar.shape == (5, 4)


def test_changing_the_condition_changes_encoding_and_decoding():
    torch.manual_seed(0)
    model = ConditionalVAE(6, 2, [8], 3)
    x, z = torch.randn(4, 6), torch.randn(4, 3)
    y0, y1 = torch.zeros(4, 2), torch.ones(4, 2)
    assert not torch.allclose(model.encode(x, y0)[0], model.encode(x, y1)[0])
    assert not torch.allclose(model.decode(z, y0), model.decode(z, y1))


def test_sample_draws_one_molecule_per_condition_row():
    model = ConditionalVAE(6, 2, [8], 3)
    y = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    assert model.sample(y, generator=torch.Generator().manual_seed(0)).shape == (3, 6)


def test_wrong_condition_shape_is_explained():
    model = ConditionalVAE(6, 2, [8], 3)
    with pytest.raises(ValueError, match=r"condition y must have shape \(5, 2\), got \(5, 3\)"):
        model(torch.randn(5, 6), torch.randn(5, 3))
    with pytest.raises(ValueError, match=r"condition y must have shape \(5, 2\), got \(4, 2\)"):
        model(torch.randn(5, 6), torch.randn(4, 2))


# --- the conditional SMILES VAE (lab 03) ---------------------------------------------------------

import numpy as np  # noqa: E402
from rdkit import Chem  # noqa: E402
from rdkit.Chem import Crippen  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from course_utils import cvae, data, seqvae, training  # noqa: E402
from course_utils.smiles import Vocabulary  # noqa: E402

MOLS = ["CCO", "c1ccccc1", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC", "O=C(O)c1ccccc1", "CC(C)Cl", "C1CCNCC1", "COc1ccccc1"]


@pytest.fixture
def smiles_setup():
    training.seed_everything(0)
    vocab = Vocabulary.build(MOLS + ["CCCCCCCCCC"])
    config = seqvae.SeqVAEConfig(len(vocab), embed_dim=12, encoder_hidden=16, decoder_hidden=20, latent_dim=6,
                                 max_len=24)
    return vocab, config, vocab.encode_batch(MOLS)


def test_from_unconditional_starts_as_the_same_model_whatever_y(smiles_setup):
    vocab, config, tokens = smiles_setup
    base = seqvae.SmilesVAE(config).eval()
    model = cvae.ConditionalSmilesVAE.from_unconditional(base, 3).eval()
    y = torch.randn(len(MOLS), 3) * 5
    torch.testing.assert_close(model.encode(tokens, y), base.encode(tokens))
    z = torch.randn(len(MOLS), 6)
    torch.testing.assert_close(model.decode(z, y, tokens[:, :-1])[0], base.decode(z, tokens[:, :-1])[0])
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    assert torch.equal(model.generate(z, y, temperature=1.0, generator=g1), base.generate(z, 1.0, generator=g2))


def test_condition_reaches_encoder_and_every_decoder_step(smiles_setup):
    _, config, tokens = smiles_setup
    model = cvae.ConditionalSmilesVAE(config, 2)
    y = torch.zeros(len(MOLS), 2, requires_grad=True)
    mu, _ = model.encode(tokens, y)
    assert torch.autograd.grad(mu.sum(), y)[0].abs().sum() > 0, "the encoder must read y"
    y2 = torch.zeros(len(MOLS), 2, requires_grad=True)
    logits, _ = model.decode(torch.zeros(len(MOLS), 6), y2, tokens[:, :-1])
    for t in range(logits.shape[1]):  # at every step, the logits depend on y (directly, not only through h0)
        assert torch.autograd.grad(logits[:, t].sum(), y2, retain_graph=True)[0].abs().sum() > 0
    assert model.decoder_rnn.input_size == config.embed_dim + config.latent_dim + 2
    assert model.encoder_rnn.input_size == config.embed_dim + 2


def test_conditional_encoding_ignores_padding_and_stepwise_decoding_matches(smiles_setup):
    _, config, tokens = smiles_setup
    model = cvae.ConditionalSmilesVAE(config, 3).eval()
    y = torch.randn(len(MOLS), 3)
    padded = torch.cat([tokens, torch.zeros(len(MOLS), 5, dtype=torch.long)], dim=1)
    torch.testing.assert_close(model.encode(padded, y)[0], model.encode(tokens, y)[0])
    z = torch.randn(len(MOLS), 6)
    full, _ = model.decode(z, y, tokens[:, :-1])
    h, steps = None, []
    for t in range(tokens.shape[1] - 1):
        out, h = model.decode(z, y, tokens[:, t:t + 1], h)
        steps.append(out)
    torch.testing.assert_close(torch.cat(steps, 1), full)


def test_bad_conditions_are_explained(smiles_setup):
    _, config, tokens = smiles_setup
    model = cvae.ConditionalSmilesVAE(config, 3)
    with pytest.raises(ValueError, match=r"condition y must have shape \(8, 3\), got \(8, 2\)"):
        model(tokens, torch.zeros(len(MOLS), 2))
    with pytest.raises(ValueError, match="NaN or inf"):
        model(tokens, torch.full((len(MOLS), 3), float("nan")))
    with pytest.raises(ValueError, match="bucket_batches"):
        cvae.conditional_sequence_loss(model, tokens, 0.1)


def test_conditional_loss_learns_and_loader_keeps_rows_aligned(smiles_setup):
    vocab, config, tokens = smiles_setup
    y = torch.arange(len(MOLS), dtype=torch.float32).unsqueeze(1).repeat(1, 3)
    loader = seqvae.bucket_batches(tokens, batch_size=3, seed=0, bucket=2, aligned=(y,))
    for batch_tokens, batch_y in loader:  # each row of y travels with its own molecule
        for row, cond in zip(batch_tokens, batch_y, strict=True):
            assert vocab.decode(row) == MOLS[int(cond[0])]
    model = cvae.ConditionalSmilesVAE(config, 3)
    h = training.train(model, loader, cvae.conditional_sequence_loss, epochs=60, lr=1e-2, beta=0.1, progress=False)
    assert np.mean(h.loss[-5:]) < 0.5 * np.mean(h.loss[:5])
    with pytest.raises(ValueError, match="aligned tensors need 8 rows"):
        seqvae.bucket_batches(tokens, aligned=(y[:3],))


def test_condition_grid_asks_for_each_target_and_holds_the_rest_at_the_mean():
    molecules = data.load_molecules("test", n=500)
    _, standardizer = data.property_tensor(molecules, ("logp", "qed", "mw"))
    model = cvae.ConditionalSmilesVAE(seqvae.SeqVAEConfig(30), 3, ("logp", "qed", "mw"), standardizer)
    y = cvae.condition_grid(model, "logp", [1.0, 3.0], n_per_target=4)
    raw = standardizer.inverse(y)
    torch.testing.assert_close(raw[:, 0], torch.tensor([1.0] * 4 + [3.0] * 4))
    torch.testing.assert_close(raw[:, 1:], standardizer.mean[1:].float().expand(8, 2))
    with pytest.raises(ValueError, match="not 'tpsa'"):
        cvae.condition_grid(model, "tpsa", [1.0], 2)


class _ChainWriter(cvae.ConditionalSmilesVAE):
    """A stand-in whose samples are known: asked logP t it writes an alkane with round(2t) + 1 carbons.

    So the true achieved logP of every sample is RDKit's Crippen logP of that alkane, computed here
    independently of the course code.
    """

    def sample(self, y, temperature=1.0, generator=None, batch_size=500):
        target = self.standardizer.inverse(y)[:, 0]
        return self.vocab.encode_batch(["C" * (int(round(2 * float(t))) + 1) for t in target], max_len=16)


def test_evaluate_conditioning_against_hand_computed_logp():
    vocab = Vocabulary.build(["CCCCCCCCCC"])
    molecules = data.load_molecules("test", n=500)
    _, standardizer = data.property_tensor(molecules, ("logp", "qed", "mw"))
    model = _ChainWriter(seqvae.SeqVAEConfig(len(vocab)), 3, ("logp", "qed", "mw"), standardizer)
    model.vocab = vocab
    targets = [1.0, 2.0, 3.0]
    report = cvae.evaluate_conditioning(model, vocab, targets=targets, n_per_target=2)
    logp = [Crippen.MolLogP(Chem.MolFromSmiles("C" * (2 * int(t) + 1))) for t in targets]
    assert report["validity"] == 1.0
    assert report["achieved_mean"] == pytest.approx(logp)
    assert report["mae_conditional"] == pytest.approx(np.mean(np.abs(np.array(logp) - targets)))
    assert report["spearman"] == pytest.approx(spearmanr(np.repeat(targets, 2), np.repeat(logp, 2)).statistic)


def test_condition_vectors_blocks_and_scale():
    mean, std = torch.tensor([2.0, 0.8, 300.0]), torch.tensor([1.0, 0.1, 30.0])
    y = cvae.condition_vectors([0.0, 4.0], 0, mean, std, 3)
    assert y.shape == (6, 3)
    torch.testing.assert_close(y[:, 0], torch.tensor([-2.0] * 3 + [2.0] * 3))  # (target - 2) / 1
    torch.testing.assert_close(y[:, 1:], torch.zeros(6, 2))
    with pytest.raises(ValueError, match="column must index"):
        cvae.condition_vectors([1.0], 3, mean, std, 1)


class _FixedSampler:
    """An unconditional stand-in whose prior samples are known: n alkanes cycling through 2, 4 and 6 carbons,
    plus an invalid string every fourth sample (dropped before scoring)."""

    def __init__(self, vocab):
        self.vocab = vocab

    def sample(self, n, temperature=1.0, generator=None):
        chains = ["CC", "CCCC", "CCCCCC", "C1CC"]  # the last is invalid (unclosed ring)
        return self.vocab.encode_batch([chains[i % 4] for i in range(n)], max_len=16)


def test_evaluate_conditioning_scores_the_unconditional_baseline_against_every_target():
    vocab = Vocabulary.build(["CCCCCCCCCC", "C1CC"])
    molecules = data.load_molecules("test", n=500)
    _, standardizer = data.property_tensor(molecules, ("logp", "qed", "mw"))
    model = _ChainWriter(seqvae.SeqVAEConfig(len(vocab)), 3, ("logp", "qed", "mw"), standardizer)
    model.vocab = vocab
    targets = [1.0, 2.5]
    report = cvae.evaluate_conditioning(model, vocab, targets=targets, n_per_target=4,
                                        unconditional=(_FixedSampler(vocab), vocab))
    # 8 unconditional samples: CC, CCCC, CCCCCC, (invalid), CC, CCCC, CCCCCC, (invalid)
    free = np.array([Crippen.MolLogP(Chem.MolFromSmiles(s)) for s in ["CC", "CCCC", "CCCCCC"] * 2])
    expected = np.mean([np.abs(free - t).mean() for t in targets])
    assert report["mae_unconditional"] == pytest.approx(expected)
    assert "mae_unconditional" not in cvae.evaluate_conditioning(model, vocab, targets=targets, n_per_target=4)


def test_conditional_vae_names_the_bad_argument():
    """Each shape error names the argument at fault: x, z or the condition y."""
    model = ConditionalVAE(6, 2, [8], 3)
    with pytest.raises(ValueError, match=r"^x must have shape \(\*, 6\)"):
        model.encode(torch.zeros(4, 5), torch.zeros(4, 2))
    with pytest.raises(ValueError, match=r"^z must have shape \(\*, 3\)"):
        model.decode(torch.zeros(4, 2), torch.zeros(4, 2))
    with pytest.raises(ValueError, match=r"^condition y must have shape \(4, 2\)"):
        model.decode(torch.zeros(4, 3), torch.zeros(4, 3))


def test_conditional_smiles_vae_names_bad_tokens_z_and_conditions(smiles_setup):
    """Shape errors name tokens, z or the condition y (y must have one row per sequence, also in decode); a row
    holding only <bos> is a valid (length-1) sequence, an all-padding row is not."""
    _, config, tokens = smiles_setup
    model = cvae.ConditionalSmilesVAE(config, 3).eval()
    y = torch.zeros(len(MOLS), 3)
    with pytest.raises(ValueError, match="^tokens must have shape"):
        model.encode(tokens[0], y[:1])
    with pytest.raises(ValueError, match=r"^z must have shape \(8, 6\)"):
        model.decode(torch.zeros(8, 5), y, tokens[:, :-1])
    with pytest.raises(ValueError, match=r"^condition y must have shape \(8, 3\), got \(5, 3\)"):
        model.decode(torch.zeros(8, 6), y[:5], tokens[:, :-1])
    only_bos = torch.tensor([[Vocabulary.bos_id, Vocabulary.pad_id, Vocabulary.pad_id]])
    mu, logvar = model.encode(only_bos, y[:1])
    assert mu.shape == logvar.shape == (1, 6)
    with pytest.raises(ValueError, match="all-padding"):
        model.encode(torch.zeros(1, 3, dtype=torch.long), y[:1])


def test_conditional_smiles_vae_takes_a_single_condition_and_reads_float64_as_float32(smiles_setup):
    """cond_dim = 1 is a valid model (0 is not); a float64 y gives the same codes and logits as the same values in
    float32 (the model's precision)."""
    _, config, tokens = smiles_setup
    model = cvae.ConditionalSmilesVAE(config, 1).eval()
    y64 = torch.linspace(-1.0, 1.0, len(MOLS), dtype=torch.float64)[:, None]
    mu64, _ = model.encode(tokens, y64)
    mu32, _ = model.encode(tokens, y64.float())
    assert mu64.dtype == torch.float32
    torch.testing.assert_close(mu64, mu32, rtol=0, atol=0)
    z = torch.randn(len(MOLS), 6)
    torch.testing.assert_close(model.decode(z, y64, tokens[:, :-1])[0], model.decode(z, y64.float(), tokens[:, :-1])[0],
                               rtol=0, atol=0)
    with pytest.raises(ValueError, match="cond_dim"):
        cvae.ConditionalSmilesVAE(config, 0)


def test_conditional_sequence_loss_by_hand(smiles_setup):
    """Reconstruction = -log p of every next token that is not padding (explicit log-softmax of the model's
    logits), summed per molecule; KL in closed form; loss = reconstruction + beta KL; all batch means. The same
    seed makes the forward pass (word dropout, z) the same. A batch that is not a (tokens, y) pair is refused."""
    _, config, tokens = smiles_setup
    model = cvae.ConditionalSmilesVAE(config, 3)
    y = torch.randn(len(MOLS), 3, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(5)
    terms = cvae.conditional_sequence_loss(model, (tokens, y), beta=0.3)
    torch.manual_seed(5)
    logits, mu, logvar = model(tokens, y)
    targets = tokens[:, 1:]
    logp = torch.log_softmax(logits, -1).gather(-1, targets[..., None]).squeeze(-1)
    rec = -(logp * (targets != Vocabulary.pad_id)).sum(1).mean()
    kl = (0.5 * (mu ** 2 + logvar.exp() - 1 - logvar)).sum(1).mean()
    torch.testing.assert_close(terms.reconstruction, rec)
    torch.testing.assert_close(terms.kl, kl)
    torch.testing.assert_close(terms.loss, rec + 0.3 * kl)
    for bad in (tokens[:2], (tokens, y, y)):
        with pytest.raises(ValueError, match="bucket_batches"):
            cvae.conditional_sequence_loss(model, bad, 0.1)


def test_from_unconditional_keeps_names_and_standardizer_and_normalise_z_scores(smiles_setup):
    """The converted model keeps its condition names and standardizer; normalise gives (raw - mean) / std worked by
    hand, in float32; without a standardizer, or with the wrong number of properties, it refuses."""
    _, config, _ = smiles_setup
    scale = data.Standardizer(mean=torch.tensor([2.0, 0.5, 300.0]), std=torch.tensor([1.5, 0.2, 50.0]))
    model = cvae.ConditionalSmilesVAE.from_unconditional(seqvae.SmilesVAE(config), 3, ("logp", "qed", "mw"), scale)
    assert model.standardizer is scale and model.condition_names == ("logp", "qed", "mw")
    raw = torch.tensor([[3.5, 0.7, 250.0], [2.0, 0.5, 300.0]], dtype=torch.float64)
    got = model.normalise(raw)
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, torch.tensor([[1.0, 1.0, -1.0], [0.0, 0.0, 0.0]]))
    with pytest.raises(ValueError, match="^raw properties must have shape"):
        model.normalise(torch.zeros(1, 2))
    with pytest.raises(ValueError, match="no standardizer"):
        cvae.ConditionalSmilesVAE(config, 3).normalise(raw)


def test_conditional_encode_and_decode_follow_the_gru_equations_by_hand(smiles_setup):
    """Lab 03 grades the student's conditional encoder and decoder against ConditionalSmilesVAE.encode/decode:
    pinned here against the GRU equations in NumPy, with y weights that are not zero. Encoder: each molecule
    alone, unpadded, input [embed(token), y] at every step, both directions, the two last states joined.
    Decoder: code = [z, y], h0 = tanh(z_to_hidden(code)), input [embed(token), code] at every step."""
    import numpy as np
    from test_seqvae import _bigru_heads_numpy, _gru_numpy

    from course_utils.cvae import ConditionalSmilesVAE

    vocab, config, tokens = smiles_setup
    torch.manual_seed(3)
    model = ConditionalSmilesVAE(config, cond_dim=2).eval()
    y = torch.randn(len(tokens), 2, generator=torch.Generator().manual_seed(4))
    w = {k: v.detach().double().numpy() for k, v in model.state_dict().items()}
    mu, logvar = (t.detach().double().numpy() for t in model.encode(tokens, y))
    for i, row in enumerate(tokens):
        ids = row[row != vocab.pad_id].numpy()
        xs = np.concatenate([w["embed.weight"][ids], np.tile(y[i].double().numpy(), (len(ids), 1))], axis=1)
        expected_mu, expected_logvar = _bigru_heads_numpy(w, xs)
        np.testing.assert_allclose(mu[i], expected_mu, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(logvar[i], expected_logvar, rtol=1e-4, atol=1e-5)

    z = torch.randn(len(tokens), config.latent_dim, generator=torch.Generator().manual_seed(5))
    inputs = tokens[:, :-1]
    logits, hidden = model.decode(z, y, inputs)
    for i in range(len(tokens)):
        code = np.concatenate([z[i].double().numpy(), y[i].double().numpy()])
        h0 = np.tanh(w["z_to_hidden.weight"] @ code + w["z_to_hidden.bias"])
        xs = [np.concatenate([w["embed.weight"][t], code]) for t in inputs[i].numpy()]
        outs, last = _gru_numpy(xs, h0, w["decoder_rnn.weight_ih_l0"], w["decoder_rnn.weight_hh_l0"],
                                w["decoder_rnn.bias_ih_l0"], w["decoder_rnn.bias_hh_l0"])
        np.testing.assert_allclose(logits[i].detach().double().numpy(),
                                   outs @ w["to_logits.weight"].T + w["to_logits.bias"], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(hidden[0, i].detach().double().numpy(), last, rtol=1e-4, atol=1e-5)
