"""Closed-loop design pieces: rank weights by hand, the QED oracle vs RDKit, the pool, and a tiny loop."""

import math

import numpy as np
import pytest
import torch
from rdkit import Chem
from rdkit.Chem import QED

from course_utils import design, seqvae, training
from course_utils.smiles import Vocabulary


def test_rank_weights_by_hand():
    scores = [0.2, 0.9, 0.5]  # ranks 2, 0, 1 ; N = 3, k = 1: 1/(3 + rank)
    raw = np.array([1 / 5, 1 / 3, 1 / 4])
    np.testing.assert_allclose(design.rank_weights(scores, 1.0), raw / raw.sum())
    np.testing.assert_allclose(design.rank_weights(scores, math.inf), [1 / 3] * 3)
    w = design.rank_weights(np.arange(1000.0), 1e-3)
    assert w[-1] == w.max() and w[-100:].sum() > 0.5, "small k concentrates the weight on the best"
    with pytest.raises(ValueError, match="k must be > 0"):
        design.rank_weights(scores, 0)
    with pytest.raises(ValueError, match="non-empty"):
        design.rank_weights([], 1.0)


def test_qed_oracle_matches_rdkit_and_scores_invalid_as_zero():
    smiles = ["CC(=O)Nc1ccc(O)cc1", "c1ccccc1", "C1CC", ""]
    expected = [QED.qed(Chem.MolFromSmiles(s)) for s in smiles[:2]] + [0.0, 0.0]
    np.testing.assert_allclose(design.qed_oracle(smiles), expected, atol=1e-9)


def test_pool_keeps_valid_distinct_molecules():
    pool = design.Pool()
    pool.add(["CCO", "CCO", "C1CC", "c1ccccc1"], np.array([0.1, 0.1, 0.9, 0.4]))
    assert pool.smiles == ["CCO", "c1ccccc1"] and pool.scores == [0.1, 0.4]


def test_a_tiny_loop_runs_and_reports_every_round():
    training.seed_everything(0)
    mols = ["CCO", "CCN", "CCC", "c1ccccc1", "CC(=O)O", "CCCl", "OCCO", "NCCN"]
    vocab = Vocabulary.build(mols)
    model = seqvae.SmilesVAE(seqvae.SeqVAEConfig(len(vocab), embed_dim=8, encoder_hidden=8, decoder_hidden=16,
                                                 latent_dim=4, max_len=12))
    history = design.run_loop(model, vocab, design.qed_oracle, mols, k=1e-2, rounds=2, n_propose=20, steps=3)
    assert [h["round"] for h in history] == [0, 1, 2]
    assert all(0 <= h["validity"] <= 1 for h in history) and history[-1]["pool"] >= len(mols)
    assert torch.isfinite(torch.tensor([h["mean_score"] for h in history])).all()


def test_summarize_by_hand():
    report = design.summarize(["CCO", "C1CC", "c1ccccc1", ""], lambda ss: np.array([len(s) for s in ss], float))
    assert report == {"validity": 0.5, "mean_score": 5.5, "top10_score": 8.0}
    assert design.summarize(["C1CC"], design.qed_oracle)["mean_score"] == 0.0


def test_weighted_finetune_draws_by_weight():
    """All weight on benzene makes the fine-tuned generator write benzene far more often than uniform weights do."""
    mols = ["CCO", "c1ccccc1", "CC(=O)O", "CCCl"]
    vocab = Vocabulary.build(mols)
    counts = {}
    for name, weights in {"benzene": [0.0, 1.0, 0.0, 0.0], "uniform": [0.25] * 4}.items():
        training.seed_everything(0)
        model = seqvae.SmilesVAE(seqvae.SeqVAEConfig(len(vocab), embed_dim=8, encoder_hidden=8, decoder_hidden=16,
                                                     latent_dim=4, max_len=12))
        design.weighted_finetune(model, vocab, mols, np.array(weights), steps=80, lr=1e-2, batch_size=8)
        counts[name] = design.propose(model, vocab, 100, seed=0).count("c1ccccc1")
    assert counts["benzene"] > counts["uniform"] + 20, counts
    with pytest.raises(ValueError, match="one weight per molecule"):
        design.weighted_finetune(model, vocab, mols, np.ones(3), steps=1)


def test_one_round_weights_the_pool_by_rank_with_k_and_reports_the_pool_before_it_grows(monkeypatch):
    """One round with the generator stubbed out: the fine-tuning sees the pool with weights 1 / (k N + rank)
    worked by hand, the proposals are scored, the report gives the pool size *before* the new molecules join."""
    calls = []

    def fake_finetune(model, vocab, smiles, weights, steps, seed=0, **kwargs):
        calls.append({"smiles": list(smiles), "weights": np.asarray(weights), "steps": steps, "seed": seed})

    proposals = ["CCO", "c1ccccc1", "C1CC", "CCN", "CCN"]  # one invalid, one repeated, one already in the pool
    monkeypatch.setattr(design, "weighted_finetune", fake_finetune)
    monkeypatch.setattr(design, "propose", lambda model, vocab, n, seed, temperature=1.0: proposals[:n])
    oracle = lambda ss: np.array([len(s) / 10 for s in ss])  # noqa: E731
    pool = design.Pool(smiles=["CCO", "CCCl", "OCCO"], scores=[0.2, 0.9, 0.5])  # ranks 2, 0, 1; N = 3
    out, report = design.one_round(None, None, pool, oracle, k=0.5, steps=7, n_propose=5, seed=11)
    raw = np.array([1 / (1.5 + 2), 1 / (1.5 + 0), 1 / (1.5 + 1)])  # k N = 1.5
    assert len(calls) == 1 and calls[0]["smiles"] == ["CCO", "CCCl", "OCCO"]
    np.testing.assert_allclose(calls[0]["weights"], raw / raw.sum(), rtol=1e-12)
    assert calls[0]["steps"] == 7 and calls[0]["seed"] == 11
    assert out == proposals
    assert report["pool"] == 3.0, "the pool size before this round's molecules join"
    assert report["validity"] == pytest.approx(4 / 5)
    assert report["mean_score"] == pytest.approx(np.mean([0.3, 0.8, 0.3, 0.3]))
    assert pool.smiles == ["CCO", "CCCl", "OCCO", "c1ccccc1", "CCN"]
    assert pool.scores == pytest.approx([0.2, 0.9, 0.5, 0.8, 0.3])
    calls.clear()
    _, report = design.one_round(None, None, pool, oracle, k=0.5, steps=0, n_propose=2, seed=0)
    assert calls == [] and report["pool"] == 5.0, "steps = 0 only proposes"


def _tiny_model(vocab, seed=0):
    torch.manual_seed(seed)
    return seqvae.SmilesVAE(seqvae.SeqVAEConfig(len(vocab), embed_dim=8, encoder_hidden=8, decoder_hidden=16,
                                                latent_dim=4, max_len=12))


def test_rank_weights_break_ties_by_order_on_a_large_array():
    """1000 scores with many ties: ranks from Python's sorted() on (-score, position) (ties keep their order),
    weights 1 / (k N + rank) normalised."""
    scores = np.random.default_rng(0).integers(0, 3, 1000).astype(float)
    order = sorted(range(1000), key=lambda i: (-scores[i], i))
    ranks = np.empty(1000)
    ranks[order] = np.arange(1000)
    raw = 1.0 / (0.01 * 1000 + ranks)
    np.testing.assert_allclose(design.rank_weights(scores, 0.01), raw / raw.sum(), rtol=1e-12)


def test_pool_add_refuses_a_score_list_of_another_length():
    """One score per molecule: a short score list is an error, not a silent truncation."""
    with pytest.raises(ValueError):
        design.Pool().add(["CCO", "CCN"], np.array([0.1]))


def test_summarize_without_valid_molecules_and_the_best_tenth_by_hand():
    """No valid proposal: every number is 0. 20 valid molecules scored 1..20 (their length): mean 10.5, best tenth =
    the best 2 (20 // 10) -> 19.5; 9 valid: at least one molecule, the best -> 9."""
    length = lambda ss: np.array([len(s) for s in ss], float)  # noqa: E731
    assert design.summarize(["C1CC", ""], length) == {"validity": 0.0, "mean_score": 0.0, "top10_score": 0.0}
    chains = ["C" * i for i in range(1, 21)]
    assert design.summarize(chains + ["C1CC"] * 5, length) == {"validity": 0.8, "mean_score": 10.5,
                                                               "top10_score": 19.5}
    assert design.summarize(chains[:9], length)["top10_score"] == 9.0


def test_propose_decodes_seeded_prior_samples_at_the_given_temperature():
    """propose = the vocabulary's decoding of model.sample(n, temperature, generator seeded with ``seed``)
    (default temperature 1)."""
    mols = ["CCO", "CCN", "c1ccccc1", "CC(=O)O"]
    vocab = Vocabulary.build(mols)
    model = _tiny_model(vocab)
    expected = {t: vocab.decode_batch(model.sample(30, temperature=t, generator=torch.Generator().manual_seed(4)))
                for t in (1.0, 0.3)}
    assert expected[1.0] != expected[0.3]
    assert design.propose(model, vocab, 30, seed=4) == expected[1.0]
    assert design.propose(model, vocab, 30, seed=4, temperature=0.3) == expected[0.3]


def test_weighted_batches_draw_by_weight_reproducibly_and_trim_to_the_longest_row():
    """Integer weights 0, 1, 0, 3: only molecules 1 and 3 are drawn, about 1 : 3 (binomial, 4000 draws); every
    batch is cut to the longest drawn row (molecule 0, the longest, never drawn); the same seed gives the same
    batches, another seed others, and the default seed is 0."""
    mols = ["CCCCCCCCCCO", "CCO", "CCCCCCN", "c1ccccc1"]
    vocab = Vocabulary.build(mols)
    tokens = vocab.encode_batch(mols)
    lengths = (tokens != Vocabulary.pad_id).sum(1)
    loader = design.weighted_batches(tokens, [0, 1, 0, 3], batch_size=4000, n_batches=2, seed=3)
    batches = list(loader)
    assert len(loader) == 2 and len(batches) == 2
    width = int(max(lengths[1], lengths[3]))
    assert width < tokens.shape[1]
    for b in batches:
        assert b.shape == (4000, width)
        is_3 = (b == tokens[3, :width]).all(1)
        assert ((b == tokens[1, :width]).all(1) | is_3).all()
        assert abs(is_3.float().mean().item() - 0.75) < 4 * math.sqrt(0.75 * 0.25 / 4000)
    again = list(design.weighted_batches(tokens, [0, 1, 0, 3], batch_size=4000, n_batches=2, seed=3))
    assert all(torch.equal(a, b) for a, b in zip(batches, again, strict=True))
    other = list(design.weighted_batches(tokens, [0, 1, 0, 3], batch_size=4000, n_batches=2, seed=4))
    assert not torch.equal(batches[0], other[0])
    default = list(design.weighted_batches(tokens, [0, 1, 0, 3], batch_size=4000, n_batches=2))
    seed0 = list(design.weighted_batches(tokens, [0, 1, 0, 3], batch_size=4000, n_batches=2, seed=0))
    assert all(torch.equal(a, b) for a, b in zip(default, seed0, strict=True))


def _hand_finetune(model, tokens, weights, steps, batch_size, lr, beta, seed):
    """Adam on ``steps`` batches drawn with torch.multinomial (with replacement, a generator seeded with ``seed``),
    each cut to its longest row; loss seqvae.sequence_loss; gradient norm clipped at 1. Returns the losses and the
    largest gradient norm seen before clipping."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses, norms = [], []
    for _ in range(steps):
        idx = torch.multinomial(torch.tensor(weights, dtype=torch.float64), batch_size, replacement=True,
                                generator=gen)
        batch = tokens[idx]
        batch = batch[:, : int((batch != Vocabulary.pad_id).sum(1).max())]
        terms = seqvae.sequence_loss(model, batch, beta)
        opt.zero_grad()
        terms.loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)))
        opt.step()
        losses.append(terms.loss.item())
    return losses, max(norms)


@pytest.mark.parametrize("kwargs", [{}, {"batch_size": 8, "lr": 1e-2, "beta": 0.1, "seed": 5}])
def test_weighted_finetune_equals_a_hand_written_adam_loop(kwargs):
    """weighted_finetune against a hand-written loop (Adam, weighted batches, sequence loss, gradient norm clipped
    at 1 as in the recipe of course_utils/weights/README.md), with the defaults batch 64, lr 3e-4, beta 0.5,
    seed 0 and with other values: the same per-step losses and the same final weights."""
    mols = ["CCO", "c1ccccc1", "CC(=O)O", "CCCl", "OCCO"]
    weights = np.array([0.1, 0.4, 0.2, 0.2, 0.1])
    vocab = Vocabulary.build(mols)
    model = _tiny_model(vocab)
    twin = _tiny_model(vocab)
    torch.manual_seed(7)  # word dropout and the reparameterization draw from the global generator
    losses = design.weighted_finetune(model, vocab, mols, weights, steps=4, **kwargs)
    torch.manual_seed(7)
    settings = {"batch_size": 64, "lr": 3e-4, "beta": 0.5, "seed": 0, **kwargs}
    expected, largest_norm = _hand_finetune(twin, vocab.encode_batch(mols), weights, 4, **settings)
    assert largest_norm > 2.0, "the clipping is active"
    assert losses == pytest.approx(expected, rel=1e-5)
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        torch.testing.assert_close(p, q)
    assert not model.training, "left in eval mode"


def test_one_round_fine_tunes_from_one_step_on_and_scores_only_valid_molecules(monkeypatch):
    """steps = 1 already fine-tunes; the oracle is only ever asked about valid molecules (hand-made proposals)."""
    tuned, asked = [], []
    monkeypatch.setattr(design, "weighted_finetune", lambda *args, **kwargs: tuned.append(args))
    monkeypatch.setattr(design, "propose", lambda model, vocab, n, seed, temperature=1.0: ["CCO", "C1CC", "xyz"])

    def oracle(ss):
        asked.extend(ss)
        return np.ones(len(ss))

    pool = design.Pool(smiles=["CCN"], scores=[0.5])
    design.one_round(None, None, pool, oracle, k=1.0, steps=1, n_propose=3, seed=0)
    assert len(tuned) == 1
    assert asked and set(asked) == {"CCO"}
    assert pool.smiles == ["CCN", "CCO"]


def test_run_loop_rounds_use_their_documented_steps_sizes_and_seeds(monkeypatch):
    """Round 0 proposes without fine-tuning; round r uses seed 1000 seed + r; defaults n_propose 300, steps 60,
    seed 0. Checked with a recording stand-in for one_round."""
    calls = []

    def fake_round(model, vocab, pool, oracle, k, steps, n_propose, seed):
        calls.append((steps, n_propose, seed, k))
        return [], {"validity": 1.0}

    monkeypatch.setattr(design, "one_round", fake_round)
    oracle = lambda ss: np.zeros(len(ss))  # noqa: E731
    history = design.run_loop(None, None, oracle, ["CCO"], k=0.1, rounds=2)
    assert calls == [(0, 300, 0, 0.1), (60, 300, 1, 0.1), (60, 300, 2, 0.1)]
    assert [h["round"] for h in history] == [0, 1, 2]
    calls.clear()
    design.run_loop(None, None, oracle, ["CCO"], k=0.1, rounds=2, n_propose=5, steps=3, seed=4)
    assert calls == [(0, 5, 4000, 0.1), (3, 5, 4001, 0.1), (3, 5, 4002, 0.1)]
