"""A GRU sequence VAE over SMILES (or SELFIES) tokens.

Encoder: token embeddings -> bidirectional GRU -> last hidden states -> (mu, logvar).
Decoder: an autoregressive GRU that reads the previous token *and z at every step*, starting
from a hidden state computed from z; trained with teacher forcing. Three choices that matter
on a small CPU budget (Bowman et al., 2016): the KL weight is annealed from 0 and kept below
1, decoder inputs are randomly replaced by ``<mask>`` (word dropout) so the decoder must use z,
and gradients are clipped. Works on CPU and CUDA (tensors follow the model's device).

Shapes: tokens (batch, length) int64 with ``<bos>`` first, ``<eos>`` last, ``<pad>`` = 0 after;
logits (batch, length - 1, vocab); mu, logvar, z (batch, latent_dim).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from course_utils.smiles import Vocabulary
from course_utils.vae import ELBOTerms, check_shape, negative_elbo, reparameterize

if TYPE_CHECKING:
    from course_utils.grammar import SmilesGrammar


@dataclass
class SeqVAEConfig:
    """Sizes of the sequence VAE (defaults: the lab's from-scratch model)."""

    vocab_size: int
    embed_dim: int = 48
    encoder_hidden: int = 192
    decoder_hidden: int = 256
    latent_dim: int = 32
    word_dropout: float = 0.1
    max_len: int = 64


class SmilesVAE(nn.Module):
    """``forward(tokens) -> (logits, mu, logvar)``; :meth:`generate` and :meth:`sample` decode."""

    def __init__(self, config: SeqVAEConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.embed = nn.Embedding(c.vocab_size, c.embed_dim, padding_idx=Vocabulary.pad_id)
        self.encoder_rnn = nn.GRU(c.embed_dim, c.encoder_hidden, batch_first=True, bidirectional=True)
        self.to_mu = nn.Linear(2 * c.encoder_hidden, c.latent_dim)
        self.to_logvar = nn.Linear(2 * c.encoder_hidden, c.latent_dim)
        self.z_to_hidden = nn.Linear(c.latent_dim, c.decoder_hidden)
        self.decoder_rnn = nn.GRU(c.embed_dim + c.latent_dim, c.decoder_hidden, batch_first=True)
        self.to_logits = nn.Linear(c.decoder_hidden, c.vocab_size)

    @property
    def device(self) -> torch.device:
        return self.to_logits.weight.device

    def encode(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """tokens (batch, length) -> mu, logvar (batch, latent_dim)."""
        check_shape("tokens", tokens, (None, None))
        lengths = (tokens != Vocabulary.pad_id).sum(1)
        if (lengths == 0).any():
            raise ValueError("every sequence needs at least one token (<bos>); found an all-padding row")
        packed = pack_padded_sequence(self.embed(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, h = self.encoder_rnn(packed)  # h: (2, batch, hidden), forward and backward directions
        h = torch.cat([h[0], h[1]], dim=1)
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z: torch.Tensor, inputs: torch.Tensor,
               hidden: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced decoding: z (batch, latent), inputs (batch, steps) -> logits (batch, steps, vocab), hidden."""
        check_shape("z", z, (inputs.shape[0], self.config.latent_dim))
        if hidden is None:
            hidden = torch.tanh(self.z_to_hidden(z)).unsqueeze(0)
        x = torch.cat([self.embed(inputs), z.unsqueeze(1).expand(-1, inputs.shape[1], -1)], dim=2)
        out, hidden = self.decoder_rnn(x, hidden)
        return self.to_logits(out), hidden

    def word_dropout(self, inputs: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Replace a fraction ``config.word_dropout`` of decoder input tokens (not <bos>/<pad>) by <mask>."""
        p = self.config.word_dropout
        if not self.training or p == 0:
            return inputs
        drop = torch.rand(inputs.shape, generator=generator).to(inputs.device) < p
        drop &= (inputs != Vocabulary.pad_id) & (inputs != Vocabulary.bos_id)
        return inputs.masked_fill(drop, Vocabulary.mask_id)

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """tokens (batch, length) -> logits for tokens[:, 1:] (batch, length - 1, vocab), mu, logvar."""
        mu, logvar = self.encode(tokens)
        z = reparameterize(mu, logvar)
        logits, _ = self.decode(z, self.word_dropout(tokens[:, :-1]))
        return logits, mu, logvar

    @torch.no_grad()
    def generate(self, z: torch.Tensor, temperature: float = 1.0, max_len: int | None = None,
                 generator: torch.Generator | None = None, grammar: SmilesGrammar | None = None) -> torch.Tensor:
        """Decode latent vectors token by token: z (n, latent) -> ids (n, max_len) starting with <bos>.

        ``temperature=0`` is greedy (most likely token); otherwise tokens are sampled from
        softmax(logits / temperature). Decoding stops once every row has produced <eos>. With a
        ``grammar`` (:class:`course_utils.grammar.SmilesGrammar`) only tokens it allows are drawn.
        """
        z = z.to(self.device)
        return autoregressive_decode(lambda token, hidden: self.decode(z, token, hidden), z.shape[0], self.device,
                                     temperature, max_len or self.config.max_len, generator, grammar)

    @torch.no_grad()
    def sample(self, n: int, temperature: float = 1.0, generator: torch.Generator | None = None,
               batch_size: int = 500, grammar: SmilesGrammar | None = None) -> torch.Tensor:
        """Decode ``n`` draws from the prior N(0, I): ids (n, max_len) (``grammar``: see :meth:`generate`)."""
        was_training = self.training
        self.eval()
        z = torch.randn((n, self.config.latent_dim), generator=generator)
        chunks = [self.generate(z[i:i + batch_size], temperature, generator=generator, **_grammar_kwarg(grammar))
                  for i in range(0, n, batch_size)]
        self.train(was_training)
        return torch.cat(chunks)

    @torch.no_grad()
    def reconstruct(self, tokens: torch.Tensor, batch_size: int = 500,
                    grammar: SmilesGrammar | None = None) -> torch.Tensor:
        """Greedy decoding of each sequence's mean encoding: ids (n, max_len) (``grammar``: see :meth:`generate`)."""
        was_training = self.training
        self.eval()
        chunks = []
        for i in range(0, tokens.shape[0], batch_size):
            mu, _ = self.encode(tokens[i:i + batch_size].to(self.device))
            chunks.append(self.generate(mu, temperature=0.0, **_grammar_kwarg(grammar)))
        self.train(was_training)
        return torch.cat(chunks)

    def config_dict(self) -> dict:
        return asdict(self.config)


def _grammar_kwarg(grammar: SmilesGrammar | None) -> dict:
    """``grammar=`` only when a mask is given, so subclasses whose ``generate`` has no such
    parameter (lab 02's ``StudentVAE``) still sample and reconstruct unmasked."""
    return {"grammar": grammar} if grammar is not None else {}


def sequence_elbo(model: SmilesVAE, tokens: torch.Tensor, beta: float) -> ELBOTerms:
    """Negative ELBO per molecule (mean over the batch) of a token batch; padding is not scored."""
    logits, mu, logvar = model(tokens)
    targets = tokens[:, 1:].masked_fill(tokens[:, 1:] == Vocabulary.pad_id, -100)
    return negative_elbo(logits, targets, mu, logvar, likelihood="categorical", beta=beta, reduction="mean")


def sequence_loss(model: SmilesVAE, batch: torch.Tensor | tuple, beta: float) -> ELBOTerms:
    """The loss function for :func:`course_utils.training.train` on batches from :func:`bucket_batches`."""
    tokens = batch[0] if isinstance(batch, (list, tuple)) else batch
    return sequence_elbo(model, tokens, beta)


def autoregressive_decode(step: Callable[[torch.Tensor, torch.Tensor | None], tuple[torch.Tensor, torch.Tensor]],
                          n: int, device: torch.device, temperature: float, max_len: int,
                          generator: torch.Generator | None = None,
                          grammar: SmilesGrammar | None = None) -> torch.Tensor:
    """The sampling loop shared by the VAE and the conditional VAE: ids (n, max_len), <bos> first.

    ``step(token (n, 1), hidden) -> (logits (n, 1, vocab), hidden)`` runs one decoder step
    (``hidden=None``: start from the latent code). <pad>, <bos> and <mask> are never emitted; a
    row that has produced <eos> receives <pad> afterwards; T = 0 is greedy. A ``grammar``
    (:class:`course_utils.grammar.SmilesGrammar`) sets the logits of the tokens it forbids to
    -inf before each choice: the draw is from the model's distribution renormalised over the
    allowed tokens.
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    rows = grammar.start(n) if grammar is not None else None
    out = torch.full((n, max_len), Vocabulary.pad_id, dtype=torch.long, device=device)
    out[:, 0] = Vocabulary.bos_id
    token, hidden = out[:, :1], None
    finished = torch.zeros(n, dtype=torch.bool, device=device)
    for t in range(1, max_len):
        logits, hidden = step(token, hidden)
        logits = logits[:, -1]
        logits[:, [Vocabulary.pad_id, Vocabulary.bos_id, Vocabulary.mask_id]] = -float("inf")
        if rows is not None:
            allowed = grammar.mask(rows).to(device)
            allowed[finished] = True  # finished rows are overwritten with <pad> below
            logits = logits.masked_fill(~allowed, -float("inf"))
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:
            probs = torch.softmax(logits.float() / temperature, dim=-1)
            nxt = torch.multinomial(probs.cpu(), 1, generator=generator).squeeze(1).to(device)
        nxt = nxt.masked_fill(finished, Vocabulary.pad_id)
        if rows is not None:
            grammar.advance(rows, nxt.cpu())
        out[:, t] = nxt
        finished |= nxt == Vocabulary.eos_id
        token = nxt.unsqueeze(1)
        if finished.all():
            break
    return out


class bucket_batches:  # noqa: N801 (used like a function that returns a re-iterable loader)
    """Batches of similar length (less padding, faster on CPU), reshuffled every epoch, seeded.

    ``tokens`` (n, max_len) padded ids; each yielded batch is trimmed to its longest sequence.
    ``aligned`` tensors with n rows (for example conditions y of shape (n, cond_dim)) are batched
    alongside: then each batch is a tuple ``(tokens, *aligned)``, else just the token tensor.
    ``len()`` is the number of batches per epoch, so :func:`course_utils.training.train` can plan.
    """

    def __init__(self, tokens: torch.Tensor, batch_size: int = 128, seed: int = 0, bucket: int = 50,
                 aligned: tuple[torch.Tensor, ...] = ()) -> None:
        bad = [tuple(a.shape) for a in aligned if a.shape[0] != tokens.shape[0]]
        if bad:
            raise ValueError(f"aligned tensors need {tokens.shape[0]} rows like tokens, got shapes {bad}")
        self.tokens, self.batch_size, self.bucket, self.aligned = tokens, batch_size, bucket, tuple(aligned)
        self.lengths = (tokens != Vocabulary.pad_id).sum(1)
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return (len(self.tokens) + self.batch_size - 1) // self.batch_size

    def __iter__(self) -> Iterator[torch.Tensor | tuple[torch.Tensor, ...]]:
        order = torch.randperm(len(self.tokens), generator=self.generator)
        span = self.batch_size * self.bucket
        batches = []
        for start in range(0, len(order), span):
            chunk = order[start:start + span]
            chunk = chunk[torch.argsort(self.lengths[chunk], stable=True)]
            batches += [chunk[i:i + self.batch_size] for i in range(0, len(chunk), self.batch_size)]
        for b in torch.randperm(len(batches), generator=self.generator).tolist():
            idx = batches[b]
            tokens = self.tokens[idx, : int(self.lengths[idx].max())]
            yield (tokens, *(a[idx] for a in self.aligned)) if self.aligned else tokens


WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


def load_pretrained(name: str = "smiles_vae", device: torch.device | str | None = None) -> tuple[SmilesVAE, Vocabulary]:
    """The shipped pretrained model and its vocabulary, in eval mode on ``device`` (default: CPU).

    ``name`` is a file in ``course_utils/weights/`` without ``.pt``: ``smiles_vae`` (labs 02, 04,
    05: writes Kekulé SMILES, its vocabulary has kind ``"kekule"``; decode it with
    :func:`default_grammar`), ``smiles_vae_aromatic`` (the same model before its Kekulé phase,
    aromatic SMILES; the base of lab 03) or ``smiles_cvae``, a
    :class:`~course_utils.cvae.ConditionalSmilesVAE` whose ``condition_names`` and
    ``standardizer`` say what y holds (lab 03). The scripts
    ``scripts/train_smiles_vae.py`` and ``scripts/train_cvae.py`` rebuild them; the weights
    README describes the recipes and measured curves.
    """
    path = WEIGHTS_DIR / f"{name}.pt"
    if not path.exists():
        available = sorted(p.stem for p in WEIGHTS_DIR.glob("*.pt"))
        raise FileNotFoundError(f"no pretrained weights {name!r} in {WEIGHTS_DIR}; available: {available}")
    return load_checkpoint(path, device)


def load_checkpoint(path: str | Path, device: torch.device | str | None = None) -> tuple[SmilesVAE, Vocabulary]:
    """A model saved by the training scripts (any path), in eval mode; see :func:`load_pretrained`."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    config = SeqVAEConfig(**checkpoint["config"])
    if "condition" in checkpoint:
        from course_utils.cvae import ConditionalSmilesVAE
        from course_utils.data import Standardizer

        cond = checkpoint["condition"]
        standardizer = Standardizer(torch.tensor(cond["mean"]), torch.tensor(cond["std"]))
        model: SmilesVAE = ConditionalSmilesVAE(config, len(cond["names"]), cond["names"], standardizer)
    else:
        model = SmilesVAE(config)
    model.load_state_dict({k: v.float() for k, v in checkpoint["state_dict"].items()})
    return model.to(device or "cpu").eval(), Vocabulary.from_json(checkpoint["vocab"])


#: Sampling temperature at which the shipped model is evaluated (bench, tests, lab 02).
PRETRAINED_TEMPERATURE = 1.0


def default_grammar(vocab: Vocabulary) -> SmilesGrammar | None:
    """The grammar mask the course decodes ``vocab`` with: one for Kekulé SMILES, None otherwise."""
    from course_utils.grammar import SmilesGrammar

    return SmilesGrammar(vocab) if vocab.kind == "kekule" else None


def evaluate_generation(model: SmilesVAE, vocab: Vocabulary, train_smiles: set[str], test_smiles: list[str],
                        n: int = 1000, temperature: float = PRETRAINED_TEMPERATURE, seed: int = 0,
                        grammar: SmilesGrammar | None | str = "default") -> dict[str, float]:
    """The course's report for a SMILES VAE: ``n`` prior samples and greedy reconstruction of ``test_smiles``.

    Returns validity, unique_at_1k (of the first min(n, 1000)), novelty against ``train_smiles``,
    int_div and test_int_div, reconstruction, logp_w1 (to the test molecules) and the temperature.
    Decoding uses ``grammar`` (default: :func:`default_grammar`, the mask for a Kekulé vocabulary);
    when a mask is used, the same prior draws decoded *without* it give ``validity_unconstrained``
    and ``reconstruction_unconstrained``, what the network has learned on its own.
    """
    from course_utils import metrics

    if grammar == "default":
        grammar = default_grammar(vocab)
    test_tokens = vocab.encode_batch(test_smiles)

    def draw(mask: SmilesGrammar | None) -> list[str]:
        ids = model.sample(n, temperature=temperature, generator=torch.Generator().manual_seed(seed), grammar=mask)
        return vocab.decode_batch(ids)

    samples = draw(grammar)
    decoded = vocab.decode_batch(model.reconstruct(test_tokens, grammar=grammar))
    out = {
        "validity": metrics.validity(samples),
        "unique_at_1k": metrics.unique_at_k(samples, min(n, 1000)),
        "novelty": metrics.novelty(samples, train_smiles),
        "int_div": metrics.internal_diversity(samples),
        "test_int_div": metrics.internal_diversity(test_smiles),
        "reconstruction": metrics.reconstruction_rate(test_smiles, decoded),
        "logp_w1": metrics.property_w1(samples, test_smiles, "logp"),
        "temperature": temperature,
    }
    if grammar is not None:
        out["validity_unconstrained"] = metrics.validity(draw(None))
        out["reconstruction_unconstrained"] = metrics.reconstruction_rate(
            test_smiles, vocab.decode_batch(model.reconstruct(test_tokens)))
    return out

#: Lab 02's from-scratch model: small enough to learn SMILES grammar in a few CPU minutes.
SCRATCH_CONFIG: dict = {"embed_dim": 48, "encoder_hidden": 128, "decoder_hidden": 256, "latent_dim": 32,
                        "word_dropout": 0.0}


def scratch_beta(step: int, total_steps: int) -> float:
    """Lab 02's KL weight: 0 -> 0.5 over the first half of the run, then 0.5.

    Pass it to :func:`~course_utils.training.train` with a time budget: ``total_steps`` is then the
    number of steps that fit in the budget on this machine, so the ramp ends halfway on any machine.
    """
    if total_steps <= 0:
        raise ValueError(f"total_steps must be > 0, got {total_steps}")
    return 0.5 * min(1.0, step / (0.5 * total_steps))


def scratch_lr(step: int, total_steps: int) -> float:
    """Lab 02's learning-rate factor: 1 for the first 70% of the run, then down linearly to 0.1 at the end
    (and 0.1 after it)."""
    if total_steps <= 0:
        raise ValueError(f"total_steps must be > 0, got {total_steps}")
    fraction = step / total_steps
    return 1.0 if fraction < 0.7 else 1.0 - 0.9 * min(1.0, (fraction - 0.7) / 0.3)
