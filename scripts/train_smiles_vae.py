r"""Train the shipped pretrained SMILES VAE (or its SELFIES twin), seeded, on the shipped train split.

    python scripts/train_smiles_vae.py --minutes 75       # writes course_utils/weights/smiles_vae_aromatic.pt
    python scripts/train_smiles_vae.py --kind selfies --minutes 20
    python scripts/train_smiles_vae.py --kind kekule --init course_utils/weights/smiles_vae_aromatic.pt \
        --beta-start 0.4 --beta-max 0.4 --lr 5e-4 --minutes 60 --threads 1 --seed 1   # phase 4: smiles_vae.pt

`--kind kekule` trains on Kekulé SMILES (`smiles.to_kekule`: no lower-case aromatic atoms).
With `--init` from a model of another kind, weights are carried over token by token: rows of
the embedding and output layers for tokens both vocabularies share are copied, new tokens start
fresh, and the encoder and decoder GRUs are copied whole (this is phase 4 of the shipped model).

The recipe (see `RECIPE`) differs from a plain VAE in the ways the MOSES baseline found to
matter: a small final KL weight (0.05, annealed from 0 over the first 30% of training), a
64-dimensional latent read at every decoder step, a wider decoder (GRU 512) than encoder, the
whole 250k train split in length-bucketed batches, Adam at 1e-3 decayed to 1e-4 by cosine over
the run, gradient clipping at 1. Every `--eval-every` minutes it records
the prior validity (temperature 1 and greedy) and the reconstruction rate of 200 test molecules;
the curve is saved next to the weights (`*.curve.json`), so the training can be judged, not
believed. Weights are stored in float16 (a few MB) and loaded by `seqvae.load_pretrained`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import chem, data, metrics, seqvae, smiles, training  # noqa: E402

RECIPE = {
    "embed_dim": 64, "encoder_hidden": 256, "decoder_hidden": 512, "latent_dim": 64, "word_dropout": 0.0,
    "batch_size": 64, "lr": 1e-3, "lr_final": 1e-4, "beta_max": 0.05, "warmup_fraction": 0.3, "clip": 1.0,
}


def evaluate(model: seqvae.SmilesVAE, vocab: smiles.Vocabulary, test_tokens: torch.Tensor, test_smiles: list[str],
             kind: str, n: int = 300) -> dict[str, float]:
    g = torch.Generator().manual_seed(123)
    to_smiles = smiles.from_selfies if kind == "selfies" else (lambda s: s)
    out = {}
    for name, temperature in (("validity_t1", 1.0), ("validity_greedy", 0.0)):
        samples = [to_smiles(s) for s in vocab.decode_batch(model.sample(n, temperature=temperature, generator=g))]
        out[name] = metrics.validity(samples)
    decoded = [to_smiles(s) for s in vocab.decode_batch(model.reconstruct(test_tokens))]
    out["reconstruction"] = metrics.reconstruction_rate(test_smiles, decoded)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", choices=["smiles", "kekule", "selfies"], default="smiles")
    parser.add_argument("--minutes", type=float, default=75.0)
    parser.add_argument("--eval-every", type=float, default=10.0, help="minutes between evaluations")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init", type=Path, default=None,
                        help="continue from these weights (phase 2 of the recipe) instead of a fresh model")
    parser.add_argument("--beta-start", type=float, default=0.0, help="KL weight at step 0")
    parser.add_argument("--beta-max", type=float, default=None, help="final KL weight (default: the recipe's)")
    parser.add_argument("--lr", type=float, default=None, help="initial learning rate (default: the recipe's)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: all cores)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    default_name = {"kekule": "smiles_vae.pt", "smiles": "smiles_vae_aromatic.pt", "selfies": "selfies_vae.pt"}
    out = args.out or ROOT / "course_utils" / "weights" / default_name[args.kind]
    out.parent.mkdir(parents=True, exist_ok=True)
    chem.silence_rdkit()
    training.seed_everything(args.seed)

    train_set, test_set = data.load_molecules("train"), data.load_molecules("test", n=200)
    convert = {"smiles": lambda s: s, "kekule": smiles.to_kekule, "selfies": smiles.to_selfies}[args.kind]
    train_strings = [convert(s) for s in train_set.smiles]
    # Kekulé strings are converted once here and then tokenized as plain SMILES; the saved
    # vocabulary has kind "kekule", so it converts whatever it is given later.
    plain = "smiles" if args.kind == "kekule" else args.kind
    vocab = smiles.Vocabulary.build(train_strings + [convert(s) for s in data.load_molecules("test").smiles],
                                    kind=plain)
    max_len = max(len(vocab.tokenize(s)) for s in train_strings) + 2
    tokens = vocab.encode_batch(train_strings, max_len=max_len)
    test_tokens = vocab.encode_batch([convert(s) for s in test_set.smiles], max_len=max_len)
    vocab = smiles.Vocabulary(vocab.itos, kind=args.kind)

    r = dict(RECIPE)
    if args.beta_max is not None:
        r["beta_max"] = args.beta_max
    if args.lr is not None:
        r["lr"] = args.lr
    config = seqvae.SeqVAEConfig(len(vocab), embed_dim=r["embed_dim"], encoder_hidden=r["encoder_hidden"],
                                 decoder_hidden=r["decoder_hidden"], latent_dim=r["latent_dim"],
                                 word_dropout=r["word_dropout"], max_len=max_len + 8)
    model = seqvae.SmilesVAE(config)
    if args.init is not None:
        checkpoint = torch.load(args.init, map_location="cpu", weights_only=True)
        old_vocab = smiles.Vocabulary.from_json(checkpoint["vocab"])
        state = {k: v.float() for k, v in checkpoint["state_dict"].items()}
        if old_vocab != vocab:
            state = remap_tokens(state, old_vocab, vocab, model.state_dict())
            print(f"{args.init}: carried over {len(set(old_vocab.itos) & set(vocab.itos))} of {len(vocab)} tokens")
        model.load_state_dict(state)
    loader = seqvae.bucket_batches(tokens, batch_size=r["batch_size"], seed=args.seed)
    curve, steps = fit(model, loader, seqvae.sequence_loss, r, args.minutes, args.eval_every, args.beta_start,
                       lambda: evaluate(model, vocab, test_tokens, test_set.smiles, args.kind))
    save(model, vocab, r, curve, out, {"minutes": args.minutes, "steps": steps, "seed": args.seed,
                                       "molecules": len(tokens), "beta_start": args.beta_start,
                                       "init": str(args.init.name) if args.init else None})


def remap_tokens(state: dict[str, torch.Tensor], old: smiles.Vocabulary, new: smiles.Vocabulary,
                 fresh: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Move the token-indexed rows (embedding, output layer) of ``state`` from ``old`` ids to ``new`` ids.

    Tokens only ``new`` has keep the rows of ``fresh`` (a newly initialised model's state).
    """
    out = dict(state)
    shared = [(new.stoi[t], old.stoi[t]) for t in new.itos if t in old.stoi]
    new_ids, old_ids = (torch.tensor(ids) for ids in zip(*shared, strict=True))
    for key in ("embed.weight", "to_logits.weight", "to_logits.bias"):
        rows = fresh[key].clone()
        rows[new_ids] = state[key][old_ids]
        out[key] = rows
    return out


def fit(model: torch.nn.Module, loader: Iterable, loss_fn: Callable, r: dict, minutes: float, eval_every: float,
        beta_start: float, evaluate_fn: Callable[[], dict]) -> tuple[list[dict], int]:
    """Train for ``minutes`` with the recipe ``r`` (KL ramp, cosine lr, clipping); evaluate every ``eval_every``."""
    optimizer = torch.optim.Adam(model.parameters(), lr=r["lr"])
    budget = minutes * 60
    # Measure the speed on a few steps to plan the schedules over the whole budget.
    probe = training.train(model, loader, loss_fn, max_steps=20, beta=beta_start, optimizer=optimizer,
                           clip_grad_norm=r["clip"], device="cpu", progress=False)
    total_steps = int(budget / (probe.seconds / 20))
    print(f"{sum(p.numel() for p in model.parameters()):,} parameters; planning {total_steps} steps", flush=True)

    def beta(step: int, _total: int) -> float:
        ramp = training.linear_anneal(step, total_steps, 1.0, r["warmup_fraction"])
        return beta_start + (r["beta_max"] - beta_start) * ramp

    curve, step, start = [], 20, time.perf_counter()
    while time.perf_counter() - start < budget:
        chunk = min(eval_every * 60, budget - (time.perf_counter() - start))
        progress = step / total_steps
        for group in optimizer.param_groups:  # cosine decay from lr to lr_final, per chunk
            group["lr"] = r["lr_final"] + 0.5 * (r["lr"] - r["lr_final"]) * (1 + math.cos(math.pi * min(1, progress)))
        h = training.train(model, loader, loss_fn, epochs=1000, max_seconds=chunk,
                           beta=lambda s, t, offset=step: beta(s + offset, t), optimizer=optimizer,
                           clip_grad_norm=r["clip"], device="cpu", progress=False)
        step += len(h.step)
        point = {"minutes": round((time.perf_counter() - start) / 60, 1), "step": step,
                 "beta": round(beta(step, total_steps), 3),
                 "loss": round(sum(h.loss[-100:]) / len(h.loss[-100:]), 3),
                 "kl": round(sum(h.kl[-100:]) / len(h.kl[-100:]), 3), **evaluate_fn()}
        curve.append(point)
        print(json.dumps(point), flush=True)
        model.train()
    model.eval()
    return curve, step


def save(model: torch.nn.Module, vocab: smiles.Vocabulary, recipe: dict, curve: list[dict], out: Path,
         train_info: dict, **extra: object) -> None:
    """Weights in float16 with config, vocabulary, recipe and training facts; the curve beside them."""
    torch.save({"config": model.config_dict(), "vocab": vocab.to_json(), "recipe": recipe, "train": train_info,
                **extra, "state_dict": {k: v.half() for k, v in model.state_dict().items()}}, out)
    out.with_suffix(".curve.json").write_text(json.dumps(curve, indent=1) + "\n")
    print(f"saved {out} ({out.stat().st_size / 1e6:.1f} MB) after {train_info['steps']} steps")


if __name__ == "__main__":
    main()
