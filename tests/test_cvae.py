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
