"""The conditional VAE: encoder q(z|x, y) and decoder p(x|z, y), y a property vector.

Conditioning is concatenation: the encoder reads ``[x, y]`` and the decoder reads ``[z, y]``.
At generation time z comes from the prior N(0, I) and y is the property we ask for.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from course_utils.vae import Decoder, Encoder, check_shape, reparameterize


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
