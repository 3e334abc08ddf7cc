"""Train the shipped conditional SMILES VAE (lab 03), seeded, from the shipped SMILES VAE.

    python scripts/train_cvae.py --minutes 30       # writes course_utils/weights/smiles_cvae.pt

A CVAE learns how the properties y = (logP, QED, MW), z-scored on the training split, change
the molecule. Instead of learning SMILES again from nothing, it starts as a copy of the
pretrained SMILES VAE whose new y-reading weights are zero
(:meth:`~course_utils.cvae.ConditionalSmilesVAE.from_unconditional`) and is fine-tuned on the
whole 250k train split with the recipe of `train_smiles_vae.py` (the KL weight ramps from
``--beta-start`` to ``--beta-max``: a larger KL weight pushes property information out of z into
y, which is what makes the condition matter). Every ``--eval-every`` minutes it records validity
and how well samples hit 5 logP targets; the curve is saved next to the weights.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from train_smiles_vae import RECIPE, fit, save  # noqa: E402

from course_utils import chem, cvae, data, seqvae, training  # noqa: E402

CONDITIONS = ("logp", "qed", "mw")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--eval-every", type=float, default=5.0, help="minutes between evaluations")
    parser.add_argument("--init", type=Path, default=ROOT / "course_utils" / "weights" / "smiles_vae_aromatic.pt",
                        help="the SMILES VAE checkpoint to start from (or a CVAE checkpoint to continue)")
    parser.add_argument("--beta-start", type=float, default=0.05)
    parser.add_argument("--beta-max", type=float, default=0.5)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "course_utils" / "weights" / "smiles_cvae.pt")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    chem.silence_rdkit()
    training.seed_everything(args.seed)

    base, vocab = seqvae.load_checkpoint(args.init)
    train_set = data.load_molecules("train")
    y, standardizer = data.property_tensor(train_set, CONDITIONS)
    tokens = vocab.encode_batch(train_set.smiles, max_len=base.config.max_len)
    if isinstance(base, cvae.ConditionalSmilesVAE):  # continue training a CVAE checkpoint
        if base.condition_names != CONDITIONS:
            raise SystemExit(f"{args.init} is conditioned on {base.condition_names}, not {CONDITIONS}")
        model = base.train()
    else:
        model = cvae.ConditionalSmilesVAE.from_unconditional(base, len(CONDITIONS), CONDITIONS, standardizer).train()
    r = {**RECIPE, "beta_max": args.beta_max, "lr": args.lr}
    loader = seqvae.bucket_batches(tokens, batch_size=r["batch_size"], seed=args.seed, aligned=(y,))

    def evaluate() -> dict:
        report = cvae.evaluate_conditioning(model, vocab, n_per_target=60, seed=123)
        return {k: (round(v, 3) if isinstance(v, float) else [round(a, 2) for a in v]) for k, v in report.items()}

    curve, steps = fit(model, loader, cvae.conditional_sequence_loss, r, args.minutes, args.eval_every,
                       args.beta_start, evaluate)
    save(model, vocab, r, curve, args.out,
         {"minutes": args.minutes, "steps": steps, "seed": args.seed, "molecules": len(tokens),
          "beta_start": args.beta_start, "init": args.init.name},
         condition={"names": list(CONDITIONS), "mean": standardizer.mean.tolist(), "std": standardizer.std.tolist()})


if __name__ == "__main__":
    main()
