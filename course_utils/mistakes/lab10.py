"""Lab 10 (genomic privacy): what the classic mistakes compute.

Shapes: allele frequencies ``p``: any shape, probabilities ``(*p.shape, 3)``; genotypes (n, n_snps) int64
in {0, 1, 2}; Mendel probabilities (n, n_snps, 3); the VAE's codes (n, latent_dim) and logits
(n, n_snps, 3). Each function takes the inputs of the graded function it shadows and returns
``{explanation: what that mistake computes}``.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

Catalogue = dict[str, torch.Tensor]

# --------------------------------------------------------------------------- hwe_genotype_probs
HWE_NO_FACTOR_2 = ("the heterozygote term is p(1-p): there are two ways to be heterozygous (minor allele from "
                   "either parent), so it is 2p(1-p), and the three probabilities then sum to 1")
HWE_REVERSED = ("the probabilities are in reverse order: the genotype counts copies of the MINOR allele (frequency "
                "p), so P(0) = (1-p)^2, P(1) = 2p(1-p), P(2) = p^2")
HWE_STACK_AXIS = ("the three probabilities must be stacked along the last axis (torch.stack(..., dim=-1)), "
                  "giving (*p.shape, 3)")
HWE_FLOAT32 = ("the result is float32: convert p first with torch.as_tensor(p, dtype=torch.float64) so that the "
               "probabilities come back in float64")
HWE_NOT_TENSOR = "return a torch tensor (convert p with torch.as_tensor), not a NumPy array or a list"
HWE_NUMPY_INPUT = ("your function fails on a NumPy array of frequencies: convert p first with "
                   "torch.as_tensor(p, dtype=torch.float64)")


def hwe_genotype_probs(p: torch.Tensor) -> Catalogue:
    """The probabilities each mistake returns for the frequencies ``p``."""
    p = torch.as_tensor(p, dtype=torch.float64)
    return {
        HWE_NO_FACTOR_2: torch.stack([(1 - p) ** 2, p * (1 - p), p ** 2], -1),
        HWE_REVERSED: torch.stack([p ** 2, 2 * p * (1 - p), (1 - p) ** 2], -1),
        HWE_STACK_AXIS: torch.stack([(1 - p) ** 2, 2 * p * (1 - p), p ** 2], 0),
    }


# --------------------------------------------------------------------------- mendel_probabilities
MENDEL_POOLED = ("you pooled the parents' alleles into one frequency (m + f) / 4 and applied Hardy-Weinberg: the "
                 "two transmissions are separate, a = g_mother / 2 and b = g_father / 2, so P(c = 0) = (1-a)(1-b), "
                 "P(c = 1) = a(1-b) + (1-a)b, P(c = 2) = ab")
MENDEL_NO_HALF = ("the transmission probability is the genotype itself: a parent with genotype g passes the minor "
                  "allele with probability g / 2 (0, 1/2 or 1)")
MENDEL_ONE_CROSS_TERM = ("the heterozygous child has only one term: the minor allele can come from the mother OR "
                         "the father, P(c = 1) = a(1-b) + (1-a)b")
MENDEL_REVERSED = "the probabilities are in reverse order: return (P(c = 0), P(c = 1), P(c = 2)) along the last axis"
MENDEL_STACK_AXIS = ("the three probabilities must be stacked along the last axis (torch.stack(..., dim=-1)), "
                     "giving (n, n_snps, 3)")
MENDEL_FLOAT32 = ("the result is float32: integer genotypes / 2 give float32 in PyTorch; convert with .double() "
                  "first (float64)")


def mendel_probabilities(mother: torch.Tensor, father: torch.Tensor) -> Catalogue:
    """The child-genotype probabilities each mistake returns."""
    m, f = torch.as_tensor(mother).double(), torch.as_tensor(father).double()
    a, b = m / 2, f / 2
    pooled = (m + f) / 4
    return {
        MENDEL_POOLED: torch.stack([(1 - pooled) ** 2, 2 * pooled * (1 - pooled), pooled ** 2], -1),
        MENDEL_NO_HALF: torch.stack([(1 - m) * (1 - f), m * (1 - f) + (1 - m) * f, m * f], -1),
        MENDEL_ONE_CROSS_TERM: torch.stack([(1 - a) * (1 - b), a * (1 - b), a * b], -1),
        MENDEL_REVERSED: torch.stack([a * b, a * (1 - b) + (1 - a) * b, (1 - a) * (1 - b)], -1),
        MENDEL_STACK_AXIS: torch.stack([(1 - a) * (1 - b), a * (1 - b) + (1 - a) * b, a * b], 0),
    }


# --------------------------------------------------------------------------- genotype_vae_loss
LOSS_MEAN_VARIANTS = ("the cross-entropy is averaged over variants (F.cross_entropy's default reduction='mean'): "
                      "sum it over the variants (reduction='sum'), then divide by the number of people")
LOSS_REC_SUM_BATCH = ("the reconstruction is summed over the batch: after summing over variants, divide by the "
                      "number of people (len(genotypes))")
LOSS_KL_SUM = "the KL is summed over the batch: use vae.kl_divergence(mu, logvar, reduction='mean')"
LOSS_NO_BETA = "beta is ignored: loss = reconstruction + beta * kl"
LOSS_BETA_ON_REC = "beta multiplies the reconstruction; it weights the KL: loss = reconstruction + beta * kl"
LOSS_KL_SUBTRACTED = "the KL is subtracted; the negative ELBO adds it: loss = reconstruction + beta * kl"
LOSS_DECODED_MU = ("you decoded mu, not a sample: draw z = vae.reparameterize(mu, logvar) and decode z (decoding "
                   "the mean is for the attack, not for training)")
LOSS_BERNOULLI = ("you used a binary cross-entropy per genotype class: a genotype is ONE categorical variable over "
                  "3 classes, so use F.cross_entropy on the (n * n_snps, 3) logits")
LOSS_NOT_TENSORS = ("return tensors that carry gradients (no .item(), no torch.no_grad()): training calls "
                    "loss.backward()")


def genotype_vae_loss(model: torch.nn.Module, genotypes: torch.Tensor, beta: float, seed: int) -> Catalogue:
    """``torch.stack([loss - reconstruction, reconstruction, kl])`` (3,) each mistake returns, with
    ``torch.manual_seed(seed)`` set just before the answer runs (so that its one ``reparameterize`` draws the
    same noise). The first entry, beta * kl when right, is small next to the loss: compared on its own, a
    mistake in how the KL enters the loss is not lost in the loss's rounding."""
    n = len(genotypes)
    target = genotypes.reshape(-1).long()
    with torch.no_grad():
        torch.manual_seed(seed)
        mu, logvar = model.encode(genotypes)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(logvar)
        logits = model.decode(z).reshape(-1, 3)
        per_entry = F.cross_entropy(logits, target, reduction="none")
        rec, kl_all = per_entry.sum() / n, 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
        kl = kl_all.mean()
        rec_mu = F.cross_entropy(model.decode(mu).reshape(-1, 3), target, reduction="sum") / n
        bce = F.binary_cross_entropy_with_logits(logits, F.one_hot(target, 3).double().to(logits.dtype),
                                                 reduction="sum") / n
    out = {
        LOSS_MEAN_VARIANTS: [per_entry.mean(), kl],
        LOSS_REC_SUM_BATCH: [per_entry.sum(), kl],
        LOSS_KL_SUM: [rec, kl_all.sum()],
        LOSS_DECODED_MU: [rec_mu, kl],
        LOSS_BERNOULLI: [bce, kl],
    }
    stacked = {why: torch.stack([beta * k, r, k]) for why, (r, k) in out.items()}
    stacked[LOSS_NO_BETA] = torch.stack([kl, rec, kl])
    stacked[LOSS_BETA_ON_REC] = torch.stack([(beta - 1) * rec + kl, rec, kl])
    stacked[LOSS_KL_SUBTRACTED] = torch.stack([-beta * kl, rec, kl])
    return stacked


# --------------------------------------------------------------------------- relatives_attack
ATTACK_DECODED_AVERAGE = ("you decoded each relative and averaged the guessed genotypes: average the relatives' "
                          "codes (posterior means) first, then decode once and take the argmax")
ATTACK_AVERAGE_LOGITS = ("you averaged the decoded logits: the attack averages the CODES (encoder means) and "
                         "decodes their mean once; the decoder is not linear, so the two differ")
ATTACK_SUMMED = "you summed the relatives' codes: average them (.mean(0)), so two copies of one code give that code"
ATTACK_FIRST_ONLY = "only the first relative is used: encode every relative in the list and average their codes"
ATTACK_WRONG_AXIS = ("you averaged over the families (dim 1) instead of over the relatives: stack the codes "
                     "(n_relatives, n, latent_dim) and take .mean(0)")
ATTACK_NO_ARGMAX = ("you returned the decoder's logits (or probabilities): the guess is the most likely genotype, "
                    ".argmax(-1) over the three classes")
ATTACK_SAMPLED = ("two calls gave different guesses: you sampled z (reparameterize); the attack uses the "
                  "posterior MEANS, model.encode(g)[0], and is deterministic")
ATTACK_NO_EVAL = "the model was left in training mode: call model.eval() in relatives_attack"
ATTACK_DTYPE = "the guess must be int64 genotypes (what .argmax(-1) returns), not floats"


@torch.no_grad()
def relatives_attack(model: torch.nn.Module, relatives: list[torch.Tensor]) -> Catalogue:
    """The guess each mistake returns: (n, n_snps) genotypes, or the logits (n, n_snps, 3) for the
    missing argmax, or (n_relatives, n_snps) for the mean over the wrong axis."""
    codes = torch.stack([model.encode(g)[0] for g in relatives])  # (R, n, latent)
    logits = torch.stack([model.decode(c) for c in codes])  # (R, n, n_snps, 3)
    return {
        ATTACK_DECODED_AVERAGE: logits.argmax(-1).double().mean(0).round(),
        ATTACK_AVERAGE_LOGITS: logits.mean(0).argmax(-1),
        ATTACK_SUMMED: model.decode(codes.sum(0)).argmax(-1),
        ATTACK_FIRST_ONLY: logits[0].argmax(-1),
        ATTACK_WRONG_AXIS: model.decode(codes.mean(1)).argmax(-1),
        ATTACK_NO_ARGMAX: model.decode(codes.mean(0)),
    }
