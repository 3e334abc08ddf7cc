"""The conditional VAE: encoder q(z|x, y) and decoder p(x|z, y), y a property vector.

Conditioning is concatenation: the encoder reads ``[x, y]`` and the decoder reads ``[z, y]``.
At generation time z comes from the prior N(0, I) and y is the property we ask for.

:class:`ConditionalVAE` does this for fixed-size inputs (fingerprints, descriptors);
:class:`ConditionalSmilesVAE` for SMILES: y joins the token embedding at every encoder step,
the decoder's starting state and every decoder step. Lab 03 builds both halves.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from course_utils.chem import is_valid, properties
from course_utils.data import Standardizer, standardize
from course_utils.seqvae import SeqVAEConfig, SmilesVAE, autoregressive_decode
from course_utils.smiles import Vocabulary
from course_utils.vae import Decoder, ELBOTerms, Encoder, check_shape, negative_elbo, reparameterize


class ConditionalVAE(nn.Module):
    """``forward(x, y) -> (output, mu, logvar)``.

    Parameters
    ----------
    input_dim : features of x
    cond_dim : features of the condition y (for example normalised logP, QED, MW -> 3)
    hidden_dims : encoder hidden sizes; the decoder mirrors them
    latent_dim : size of z

    Shapes: x (batch, input_dim), y (batch, cond_dim), output (batch, input_dim),
    mu and logvar (batch, latent_dim).
    """

    def __init__(self, input_dim: int, cond_dim: int, hidden_dims: Sequence[int], latent_dim: int) -> None:
        super().__init__()
        self.input_dim, self.cond_dim, self.latent_dim = input_dim, cond_dim, latent_dim
        self.encoder = Encoder(input_dim + cond_dim, hidden_dims, latent_dim)
        self.decoder = Decoder(latent_dim + cond_dim, list(reversed(hidden_dims)), input_dim)

    def encode(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_shape("x", x, (None, self.input_dim))
        check_shape("condition y", y, (x.shape[0], self.cond_dim))
        return self.encoder(torch.cat([x, y], dim=1))

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        check_shape("z", z, (None, self.latent_dim))
        check_shape("condition y", y, (z.shape[0], self.cond_dim))
        return self.decoder(torch.cat([z, y], dim=1))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.encode(x, y)
        return self.decode(reparameterize(mu, logvar), y), mu, logvar

    @torch.no_grad()
    def sample(self, y: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decode one prior draw per row of ``y`` (n, cond_dim): returns outputs (n, input_dim)."""
        check_shape("condition y", y, (None, self.cond_dim))
        z = torch.randn((y.shape[0], self.latent_dim), generator=generator).to(y.device, y.dtype)
        return self.decode(z, y)


class ConditionalSmilesVAE(SmilesVAE):
    """A :class:`~course_utils.seqvae.SmilesVAE` conditioned on properties y.

    ``forward(tokens, y) -> (logits, mu, logvar)``; :meth:`sample` ``(y)`` writes molecules
    asked to have properties y. The layers are the SMILES VAE's, widened by ``cond_dim`` inputs:
    the encoder GRU reads ``[embedding, y]`` at every step, the decoder starts from
    ``tanh(z_to_hidden([z, y]))`` and reads ``[embedding, z, y]`` at every step.

    ``condition_names`` and ``standardizer`` record which properties y holds and how they were
    z-scored (:func:`course_utils.data.property_tensor`), so raw targets can be converted with
    :meth:`normalise`.

    Shapes: tokens (batch, length) int64; y (batch, cond_dim) float; mu, logvar, z (batch, latent_dim).
    """

    def __init__(self, config: SeqVAEConfig, cond_dim: int, condition_names: Sequence[str] = (),
                 standardizer: Standardizer | None = None) -> None:
        super().__init__(config)
        if cond_dim < 1:
            raise ValueError(f"cond_dim must be >= 1, got {cond_dim}")
        if condition_names and len(condition_names) != cond_dim:
            raise ValueError(f"{len(condition_names)} condition names for cond_dim={cond_dim}")
        c = config
        self.cond_dim, self.condition_names, self.standardizer = cond_dim, tuple(condition_names), standardizer
        self.encoder_rnn = nn.GRU(c.embed_dim + cond_dim, c.encoder_hidden, batch_first=True, bidirectional=True)
        self.z_to_hidden = nn.Linear(c.latent_dim + cond_dim, c.decoder_hidden)
        self.decoder_rnn = nn.GRU(c.embed_dim + c.latent_dim + cond_dim, c.decoder_hidden, batch_first=True)

    def _check_y(self, y: torch.Tensor, n: int) -> torch.Tensor:
        check_shape("condition y", y, (n, self.cond_dim))
        if not torch.isfinite(y).all():
            raise ValueError("condition y contains NaN or inf; normalise finite property values with model.normalise")
        return y.to(self.device, torch.float32)

    def normalise(self, raw: torch.Tensor) -> torch.Tensor:
        """Raw property values (n, cond_dim), in the order of ``condition_names``, -> the model's y."""
        if self.standardizer is None:
            raise ValueError("this model has no standardizer; pass y already normalised")
        check_shape("raw properties", raw, (None, self.cond_dim))
        return self.standardizer.transform(raw.float())

    def encode(self, tokens: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[override]
        """tokens (batch, length), y (batch, cond_dim) -> mu, logvar (batch, latent_dim)."""
        check_shape("tokens", tokens, (None, None))
        y = self._check_y(y, tokens.shape[0])
        lengths = (tokens != Vocabulary.pad_id).sum(1)
        if (lengths == 0).any():
            raise ValueError("every sequence needs at least one token (<bos>); found an all-padding row")
        x = torch.cat([self.embed(tokens), y.unsqueeze(1).expand(-1, tokens.shape[1], -1)], dim=2)
        _, h = self.encoder_rnn(pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False))
        h = torch.cat([h[0], h[1]], dim=1)
        return self.to_mu(h), self.to_logvar(h)

    def decode(self, z: torch.Tensor, y: torch.Tensor, inputs: torch.Tensor,  # type: ignore[override]
               hidden: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Teacher-forced: z (batch, latent), y (batch, cond), inputs (batch, steps).

        Returns logits (batch, steps, vocab) and the GRU state (1, batch, decoder_hidden).
        """
        check_shape("z", z, (inputs.shape[0], self.config.latent_dim))
        code = torch.cat([z, self._check_y(y, inputs.shape[0])], dim=1)
        if hidden is None:
            hidden = torch.tanh(self.z_to_hidden(code)).unsqueeze(0)
        x = torch.cat([self.embed(inputs), code.unsqueeze(1).expand(-1, inputs.shape[1], -1)], dim=2)
        out, hidden = self.decoder_rnn(x, hidden)
        return self.to_logits(out), hidden

    def forward(self, tokens: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # type: ignore[override]
        mu, logvar = self.encode(tokens, y)
        logits, _ = self.decode(reparameterize(mu, logvar), y, self.word_dropout(tokens[:, :-1]))
        return logits, mu, logvar

    @torch.no_grad()
    def generate(self, z: torch.Tensor, y: torch.Tensor, temperature: float = 1.0,  # type: ignore[override]
                 max_len: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decode z (n, latent) under conditions y (n, cond): ids (n, max_len), <bos> first; T = 0 is greedy."""
        z, y = z.to(self.device), self._check_y(y, z.shape[0])
        return autoregressive_decode(lambda token, hidden: self.decode(z, y, token, hidden), z.shape[0], self.device,
                                     temperature, max_len or self.config.max_len, generator)

    @torch.no_grad()
    def sample(self, y: torch.Tensor, temperature: float = 1.0,  # type: ignore[override]
               generator: torch.Generator | None = None, batch_size: int = 500) -> torch.Tensor:
        """One prior draw z ~ N(0, I) per row of y (n, cond_dim), decoded under that condition: ids (n, max_len)."""
        check_shape("condition y", y, (None, self.cond_dim))
        y = self._check_y(y, y.shape[0])
        was_training = self.training
        self.eval()
        z = torch.randn((y.shape[0], self.config.latent_dim), generator=generator)
        chunks = [self.generate(z[i:i + batch_size], y[i:i + batch_size], temperature, generator=generator)
                  for i in range(0, len(z), batch_size)]
        self.train(was_training)
        return torch.cat(chunks)

    @torch.no_grad()
    def reconstruct(self, tokens: torch.Tensor, y: torch.Tensor, batch_size: int = 500) -> torch.Tensor:  # type: ignore[override]
        """Greedy decoding of each sequence's mean encoding under its own condition: ids (n, max_len)."""
        was_training = self.training
        self.eval()
        chunks = []
        for i in range(0, tokens.shape[0], batch_size):
            t, c = tokens[i:i + batch_size].to(self.device), y[i:i + batch_size]
            chunks.append(self.generate(self.encode(t, c)[0], c, temperature=0.0))
        self.train(was_training)
        return torch.cat(chunks)

    @classmethod
    def from_unconditional(cls, model: SmilesVAE, cond_dim: int, condition_names: Sequence[str] = (),
                           standardizer: Standardizer | None = None) -> ConditionalSmilesVAE:
        """A CVAE that starts as a copy of ``model``: the weights reading y start at zero.

        Fine-tuning it then only has to learn how y changes the molecule, which is much cheaper
        than training a CVAE from nothing (the pretrained CVAE is made this way).
        """
        cvae = cls(model.config, cond_dim, condition_names, standardizer)
        state = cvae.state_dict()
        for name, value in model.state_dict().items():
            target = state[name]
            if target.shape == value.shape:
                target.copy_(value)
            else:  # an input-weight matrix widened by the condition columns, which stay zero
                target.zero_()
                target[:, : value.shape[1]].copy_(value)
        cvae.load_state_dict(state)
        return cvae.to(model.device)


def conditional_sequence_loss(model: ConditionalSmilesVAE, batch: tuple[torch.Tensor, torch.Tensor],
                              beta: float) -> ELBOTerms:
    """Negative ELBO per molecule (batch mean) of a batch ``(tokens, y)``, for :func:`course_utils.training.train`."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise ValueError("a conditional batch is (tokens, y); build the loader with "
                         "seqvae.bucket_batches(tokens, aligned=(y,))")
    tokens, y = batch
    logits, mu, logvar = model(tokens, y)
    targets = tokens[:, 1:].masked_fill(tokens[:, 1:] == Vocabulary.pad_id, -100)
    return negative_elbo(logits, targets, mu, logvar, likelihood="categorical", beta=beta, reduction="mean")


#: logP values the conditional model is asked for (lab 03, bench, tests): the 5-95% range of the data.
LOGP_TARGETS: tuple[float, ...] = (1.0, 1.75, 2.5, 3.25, 4.0)


def condition_vectors(targets: Sequence[float], column: int, mean: torch.Tensor, std: torch.Tensor,
                      n_per_target: int) -> torch.Tensor:
    """Standardised conditions y (len(targets) * n_per_target, k) asking for each target in ``column``.

    Rows come in blocks: the first ``n_per_target`` ask for ``targets[0]``, and so on; every other
    column holds the training mean (0 after standardising with ``mean`` and ``std``, each (k,)).
    """
    if not 0 <= column < len(mean):
        raise ValueError(f"column must index one of the {len(mean)} properties, got {column}")
    raw = mean.float().repeat(len(targets) * n_per_target, 1)
    raw[:, column] = torch.tensor(targets, dtype=torch.float32).repeat_interleave(n_per_target)
    return standardize(raw, mean.float(), std.float())[0]


def condition_grid(model: ConditionalSmilesVAE, name: str, targets: Sequence[float], n_per_target: int) -> torch.Tensor:
    """:func:`condition_vectors` for a trained model, naming the property (``"logp"``) instead of its column."""
    if name not in model.condition_names:
        raise ValueError(f"the model is conditioned on {model.condition_names}, not {name!r}")
    if model.standardizer is None:
        raise ValueError("the model has no standardizer to convert raw targets")
    s = model.standardizer
    return condition_vectors(targets, model.condition_names.index(name), s.mean, s.std, n_per_target)


def evaluate_conditioning(
    model: ConditionalSmilesVAE,
    vocab: Vocabulary,
    name: str = "logp",
    targets: Sequence[float] = LOGP_TARGETS,
    n_per_target: int = 200,
    temperature: float = 1.0,
    seed: int = 0,
    unconditional: tuple[SmilesVAE, Vocabulary] | None = None,
) -> dict[str, float | list[float]]:
    """How well the CVAE hits property targets: prior samples at each target, measured with RDKit.

    Returns ``validity`` (all samples), ``spearman`` (target vs achieved value over valid samples),
    ``mae_conditional`` (mean |achieved - target| over valid samples), ``achieved_mean`` per
    target and, if an ``unconditional`` (model, vocab) is given, ``mae_unconditional``: the same
    number of its prior samples scored against every target (what ignoring the target costs).
    """
    from scipy.stats import spearmanr

    g = torch.Generator().manual_seed(seed)
    y = condition_grid(model, name, targets, n_per_target)
    samples = vocab.decode_batch(model.sample(y, temperature=temperature, generator=g))
    asked = np.repeat(np.asarray(targets, dtype=float), n_per_target)
    valid = np.array([bool(s) and is_valid(s) for s in samples])
    got = np.array([properties(s)[name] for s, ok in zip(samples, valid, strict=True) if ok])
    asked = asked[valid]
    out: dict[str, float | list[float]] = {
        "validity": float(valid.mean()),
        "spearman": float(spearmanr(asked, got).statistic) if len(got) > 2 else float("nan"),
        "mae_conditional": float(np.abs(got - asked).mean()) if len(got) else float("nan"),
        "achieved_mean": [float(got[asked == t].mean()) if (asked == t).any() else float("nan") for t in targets],
    }
    if unconditional is not None:
        base, base_vocab = unconditional
        free = base_vocab.decode_batch(base.sample(len(targets) * n_per_target, temperature=temperature, generator=g))
        free_values = np.array([properties(s)[name] for s in free if s and is_valid(s)])
        out["mae_unconditional"] = float(np.mean([np.abs(free_values - t).mean() for t in targets]))
    return out
