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
