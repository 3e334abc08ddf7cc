"""Genomic privacy: what a genotype VAE reveals about a relative who never consented (lab 10).

**Simulation.** A genome is ``n_snps`` biallelic variants in blocks of ``block_size`` linked
variants (linkage disequilibrium). In each block only ``n_haplotypes`` ancestral haplotypes exist,
with frequencies pi_b ~ Dirichlet(3, ..., 3); every variant's minor allele is carried by a random
subset of them (minor allele frequency between 0.05 and 0.5). A founder draws each of its two
haplotypes per block independently from pi_b, so every variant is in Hardy-Weinberg equilibrium,
P(g = 0, 1, 2) = ((1-p)^2, 2p(1-p), p^2). A child inherits, per block, one of its mother's two
haplotypes and one of its father's, each with probability 1/2 (Mendel; no recombination inside a
block, free recombination between blocks). ``linked=False`` gives one variant per block and two
haplotypes (alleles) with p ~ U(0.05, 0.5): independent variants, the model of lecture 16.

**Attack.** Encode the relatives' genotypes with a VAE trained on unrelated people, average their
posterior means, decode, and take the most likely genotype per variant. It is scored by
**concordance** (fraction of variants where the guess equals the target's genotype) against the
**population baseline** (the most common genotype under HWE, no relatives) and the **Mendelian
ceiling** (the most likely genotype given both parents' exact genotypes, which no method using
only the parents can beat on average).

Shapes: genotypes (n, n_snps) int64 in {0, 1, 2}; haplotype indices (n, 2, n_blocks);
genotype probabilities (..., n_snps, 3); VAE logits (n, n_snps, 3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from course_utils.training import TrainingHistory
from course_utils.vae import check_shape, kl_divergence, mlp, reparameterize


def _check_genotypes(name: str, g: torch.Tensor | np.ndarray) -> None:
    arr = np.asarray(g)
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected genotypes of shape (n, n_snps), got {arr.shape}")
    if not np.isin(arr, [0, 1, 2]).all():
        raise ValueError(f"{name}: genotypes must be 0, 1 or 2 (copies of the minor allele)")


# --------------------------------------------------------------------------- simulation
@dataclass
class FamilySimulator:
    """Founders, families and Mendelian transmission with known haplotype structure, seeded."""

    n_snps: int = 1000
    block_size: int = 50
    n_haplotypes: int = 4
    linked: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        if not self.linked:
            self.block_size, self.n_haplotypes = 1, 2
        if self.n_snps % self.block_size:
            raise ValueError(f"n_snps ({self.n_snps}) must be a multiple of block_size ({self.block_size})")
        self.n_blocks = self.n_snps // self.block_size
        if not self.linked:
            p = rng.uniform(0.05, 0.5, self.n_blocks)
            self.pi = np.stack([1 - p, p], 1)
            self.haplotypes = np.array([[[0], [1]]] * self.n_blocks)
        else:
            self.pi = rng.dirichlet(np.full(self.n_haplotypes, 3.0), self.n_blocks)
            self.haplotypes = np.zeros((self.n_blocks, self.n_haplotypes, self.block_size), dtype=np.int64)
            for b in range(self.n_blocks):
                for j in range(self.block_size):
                    while True:
                        carriers = rng.integers(0, 2, self.n_haplotypes)
                        freq = float((self.pi[b] * carriers).sum())
                        if 0.05 < freq < 0.95:
                            break
                    self.haplotypes[b, :, j] = carriers if freq <= 0.5 else 1 - carriers
        self.allele_frequencies = np.einsum("bh,bhj->bj", self.pi, self.haplotypes).reshape(self.n_snps)

    def founders(self, n: int, seed: int) -> np.ndarray:
        """Haplotype indices (n, 2, n_blocks) of ``n`` unrelated people in Hardy-Weinberg equilibrium."""
        if n <= 0:
            raise ValueError(f"n must be positive, got {n}")
        rng = np.random.default_rng(seed)
        u = rng.uniform(size=(n, 2, self.n_blocks, 1))
        return (u > np.cumsum(self.pi, 1)[None, None]).sum(-1).clip(max=self.n_haplotypes - 1)

    def children(self, mother: np.ndarray, father: np.ndarray, seed: int) -> np.ndarray:
        """One child per couple (n, 2, n_blocks): per block a random haplotype of each parent."""
        if mother.shape != father.shape:
            raise ValueError("mother and father must have the same shape (n, 2, n_blocks)")
        rng = np.random.default_rng(seed)
        n = len(mother)
        pick_m = rng.integers(0, 2, (n, 1, self.n_blocks))
        pick_f = rng.integers(0, 2, (n, 1, self.n_blocks))
        return np.concatenate([np.take_along_axis(mother, pick_m, 1), np.take_along_axis(father, pick_f, 1)], 1)

    def genotypes(self, haps: np.ndarray) -> torch.Tensor:
        """Minor-allele counts (n, n_snps) int64 of people given by haplotype indices (n, 2, n_blocks)."""
        alleles = self.haplotypes[np.arange(self.n_blocks)[None, None, :], haps]  # (n, 2, n_blocks, block)
        return torch.tensor(alleles.sum(1).reshape(len(haps), self.n_snps), dtype=torch.int64)

    def trios(self, n: int, seed: int) -> dict[str, torch.Tensor]:
        """``n`` families: genotypes of ``mother``, ``father`` and ``child``, each (n, n_snps)."""
        mother, father = self.founders(n, seed), self.founders(n, seed + 10_000)
        child = self.children(mother, father, seed + 20_000)
        return {"mother": self.genotypes(mother), "father": self.genotypes(father), "child": self.genotypes(child)}


# --------------------------------------------------------------------------- genetics
def hwe_genotype_probs(p: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Hardy-Weinberg genotype probabilities (..., 3) = ((1-p)^2, 2p(1-p), p^2) for allele frequencies p."""
    p = torch.as_tensor(p, dtype=torch.float64)
    if ((p < 0) | (p > 1)).any():
        raise ValueError("allele frequencies must lie in [0, 1]")
    return torch.stack([(1 - p) ** 2, 2 * p * (1 - p), p ** 2], -1)


def mendel_probabilities(mother: torch.Tensor, father: torch.Tensor) -> torch.Tensor:
    """P(child genotype = 0, 1, 2 | parents' genotypes), (n, n_snps, 3) float64, per variant.

    Each parent passes its minor allele with probability g / 2, independently.
    """
    _check_genotypes("mother", mother)
    _check_genotypes("father", father)
    a, b = torch.as_tensor(mother).double() / 2, torch.as_tensor(father).double() / 2
    return torch.stack([(1 - a) * (1 - b), a * (1 - b) + (1 - a) * b, a * b], -1)


def population_guess(allele_frequencies: np.ndarray | torch.Tensor) -> torch.Tensor:
    """The most likely genotype (n_snps,) of a random person: the argmax of the HWE probabilities."""
    return hwe_genotype_probs(allele_frequencies).argmax(-1)


def concordance(guess: torch.Tensor, truth: torch.Tensor) -> float:
    """Fraction of (person, variant) entries where the guessed genotype equals the true one."""
    guess, truth = torch.as_tensor(guess), torch.as_tensor(truth)
    if guess.shape != truth.shape:
        guess = guess.expand_as(truth)
    return float((guess == truth).double().mean())


# --------------------------------------------------------------------------- the VAE
class GenotypeVAE(nn.Module):
    """Encoder MLP on one-hot genotypes (n, 3 n_snps) -> (mu, logvar); decoder z -> logits (n, n_snps, 3)."""

    def __init__(self, n_snps: int, latent_dim: int = 64, hidden: int = 256) -> None:
        super().__init__()
        self.n_snps, self.latent_dim = n_snps, latent_dim
        self.body = mlp([3 * n_snps, hidden], final_activation=True)
        self.mu = nn.Linear(hidden, latent_dim)
        self.logvar = nn.Linear(hidden, latent_dim)
        self.decoder = mlp([latent_dim, hidden, 3 * n_snps])

    def encode(self, genotypes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_shape("genotypes", genotypes, (None, self.n_snps))
        h = self.body(F.one_hot(genotypes.long(), 3).float().reshape(len(genotypes), -1))
        return self.mu(h), self.logvar(h)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        check_shape("z", z, (None, self.latent_dim))
        return self.decoder(z).reshape(len(z), self.n_snps, 3)


def genotype_loss(model: GenotypeVAE, genotypes: torch.Tensor, beta: float = 1.0
                  ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, reconstruction, kl), batch means: reconstruction = categorical cross-entropy summed over variants."""
    mu, logvar = model.encode(genotypes)
    logits = model.decode(reparameterize(mu, logvar))
    rec = F.cross_entropy(logits.reshape(-1, 3), genotypes.reshape(-1).long(), reduction="sum") / len(genotypes)
    kl = kl_divergence(mu, logvar, reduction="mean")
    return rec + beta * kl, rec, kl


@torch.no_grad()
def relatives_attack(model: GenotypeVAE, relatives: list[torch.Tensor]) -> torch.Tensor:
    """Guess (n, n_snps) of each target from its relatives' genotypes (a list of (n, n_snps), one per relative):
    the decoded most likely genotype at the mean of the relatives' posterior means."""
    if not relatives:
        raise ValueError("give at least one relative's genotypes")
    model.eval()
    mean_code = torch.stack([model.encode(g)[0] for g in relatives]).mean(0)
    return model.decode(mean_code).argmax(-1)


def train_genotype_vae(genotypes: torch.Tensor, epochs: int = 20, beta: float = 0.3, seed: int = 0,
                       latent_dim: int = 64, loss_fn: Callable[..., tuple] = genotype_loss
                       ) -> tuple[GenotypeVAE, TrainingHistory]:
    """Seeded Adam (lr 1e-3, batches of 128) on the reference panel ``genotypes``.

    ``loss_fn(model, genotypes, beta) -> (loss, reconstruction, kl)`` (default :func:`genotype_loss`;
    lab 10 passes the student's). Trains on the course device (a GPU if present) and returns
    (model on the CPU in eval mode, training history).
    """
    from course_utils import data, training

    training.seed_everything(seed)
    model = GenotypeVAE(genotypes.shape[1], latent_dim=latent_dim)
    history = training.train(model, data.make_loader(genotypes, batch_size=128),
                             lambda m, b, beta_: loss_fn(m, b[0], beta_), epochs=epochs, lr=1e-3, beta=beta,
                             progress=False)
    return model.cpu().eval(), history


def evaluate_privacy(seed: int = 0, linked: bool = True, n_panel: int = 5000, n_trios: int = 2000,
                     epochs: int = 20) -> dict[str, float]:
    """The lab's measured attack: a VAE trained on ``n_panel`` unrelated founders, tested on the children
    of ``n_trios`` families whose two parents are the relatives."""
    sim = FamilySimulator(linked=linked, seed=seed)
    panel = sim.genotypes(sim.founders(n_panel, seed=seed + 1))
    trios = sim.trios(n_trios, seed=seed + 2)
    model, _ = train_genotype_vae(panel, epochs=epochs, seed=seed)
    child = trios["child"]
    return {"attack_concordance": concordance(relatives_attack(model, [trios["mother"], trios["father"]]), child),
            "one_parent_concordance": concordance(relatives_attack(model, [trios["mother"]]), child),
            "baseline_concordance": concordance(population_guess(sim.allele_frequencies), child),
            "mendel_ceiling": concordance(mendel_probabilities(trios["mother"], trios["father"]).argmax(-1), child),
            "reconstruction_accuracy": concordance(relatives_attack(model, [trios["mother"]]), trios["mother"])}
