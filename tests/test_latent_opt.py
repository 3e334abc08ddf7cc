"""Latent-space optimisation (course_utils.latent_opt) against independent computations.

Expected improvement against a Monte Carlo mean, the trust-region projection against its
geometric definition, gradient ascent against a known optimum, GP-EI on a 1-D toy.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from course_utils import latent_opt


def test_expected_improvement_matches_monte_carlo():
    """Is EI the mean of max(f - best, 0) for f ~ N(mean, std^2)?"""
    rng = np.random.default_rng(0)
    mean, std, best = np.array([0.0, 1.0, -0.5, 2.0]), np.array([1.0, 0.3, 2.0, 0.5]), 0.8
    f = mean + std * rng.standard_normal((400_000, 4))
    mc = np.maximum(f - best, 0.0).mean(0)
    np.testing.assert_allclose(latent_opt.expected_improvement(mean, std, best), mc, atol=4e-3)


def test_expected_improvement_with_zero_std_is_the_plain_gain():
    ei = latent_opt.expected_improvement(np.array([1.0, 0.2]), np.array([0.0, 0.0]), 0.5)
    np.testing.assert_allclose(ei, [0.5, 0.0])


def test_projection_hand_worked_case():
    """(3, 4) has norm 5; onto the ball of radius 2.5 it halves to (1.5, 2); (0.3, 0.4) stays."""
    z = torch.tensor([[3.0, 4.0], [0.3, 0.4]], dtype=torch.float64)
    out = latent_opt.project_to_ball(z, 2.5)
    np.testing.assert_allclose(out.numpy(), [[1.5, 2.0], [0.3, 0.4]])


def test_projection_is_the_nearest_point_of_the_ball():
    """Norm <= radius around the centre, same direction, and no sampled ball point is nearer."""
    g = torch.Generator().manual_seed(0)
    z = 5 * torch.randn(50, 6, generator=g, dtype=torch.float64)
    center = torch.randn(6, generator=g, dtype=torch.float64)
    out = latent_opt.project_to_ball(z, 2.0, center)
    d = (out - center).norm(dim=1)
    assert (d <= 2.0 + 1e-9).all()
    outside = (z - center).norm(dim=1) > 2.0
    np.testing.assert_allclose(d[outside].numpy(), 2.0)
    cos = torch.nn.functional.cosine_similarity(out - center, z - center, dim=1)
    np.testing.assert_allclose(cos.numpy(), 1.0, atol=1e-9)
    ball = torch.randn(2000, 6, generator=g, dtype=torch.float64)
    ball = center + 2.0 * ball / ball.norm(dim=1, keepdim=True) * torch.rand(2000, 1, generator=g) ** (1 / 6)
    nearest = torch.cdist(z, ball).min(1).values
    assert ((out - z).norm(dim=1) <= nearest + 1e-9).all()


def test_trust_radius_is_the_quantile_of_the_norms():
    codes = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])
    assert latent_opt.trust_radius(codes, 1.0) == pytest.approx(5.0)
    assert latent_opt.trust_radius(codes, 0.5) == pytest.approx(2.0)


def test_gradient_ascent_reaches_the_optimum_of_a_concave_quadratic():
    """head(z) = -||z - a||^2 peaks at a; inside the ball it is reached, outside it stops at the ball's edge."""
    a = torch.tensor([1.0, -2.0, 0.5])

    def head(z: torch.Tensor) -> torch.Tensor:
        return -((z - a) ** 2).sum(1)

    z0 = torch.zeros(4, 3) + torch.arange(4.0).unsqueeze(1) * 0.1
    inside = latent_opt.gradient_ascent(head, z0, radius=10.0, steps=200, lr=0.1)
    np.testing.assert_allclose(inside.numpy(), a.expand(4, 3).numpy(), atol=1e-4)
    edge = latent_opt.gradient_ascent(head, z0, radius=1.0, steps=300, lr=0.1)
    np.testing.assert_allclose(edge.numpy(), (a / a.norm()).expand(4, 3).numpy(), atol=1e-3)


def test_gradient_ascent_follows_the_projected_steps_written_out_in_numpy():
    """Lab 05 grades the codes after a few steps, not only the optimum: head(z) = -||z - a||^2 has the gradient
    2 (a - z), so each step is z <- P(z + 2 lr (a - z)) with P(z) = z min(1, r / ||z||), written here in NumPy.
    The start is projected first; a start outside the ball and an optimum outside it make every projection count;
    z0 is left as it was."""
    a = np.array([3.0, 4.0, 0.0])

    def head(z: torch.Tensor) -> torch.Tensor:
        return -((z - torch.as_tensor(a, dtype=z.dtype)) ** 2).sum(1)

    def project(z: np.ndarray) -> np.ndarray:
        return z * np.minimum(1.0, 1.5 / np.linalg.norm(z, axis=1, keepdims=True))

    z0 = torch.tensor([[0.5, -0.2, 0.1], [2.0, 2.0, -1.0], [0.0, 0.0, 1.4]])
    before = z0.clone()
    for steps in (0, 1, 3, 7):
        z = project(z0.double().numpy())
        for _ in range(steps):
            z = project(z + 0.25 * 2 * (a - z))
        got = latent_opt.gradient_ascent(head, z0, radius=1.5, steps=steps, lr=0.25)
        np.testing.assert_allclose(got.numpy(), z, atol=1e-5, err_msg=f"{steps} steps")
        assert not got.requires_grad
    torch.testing.assert_close(z0, before)


def test_gp_ei_picks_the_obviously_best_candidate_in_1d():
    """Observations of f(x) = -(x - 2)^2 around x = 2; of the candidates, 2.0 must win."""
    x = np.array([[-3.0], [-1.0], [0.0], [1.0], [1.5], [2.5], [3.0], [4.0]])
    y = -((x[:, 0] - 2.0) ** 2)
    cand = np.array([[-4.0], [2.0], [6.0], [-2.0]])
    assert latent_opt.propose_batch_ei(x, y, cand, q=1).tolist() == [1]
    assert len(set(latent_opt.propose_batch_ei(x, y, cand, q=3).tolist())) == 3


def test_head_is_deterministic_with_a_seed_and_fits_a_simple_function():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(200, 4, generator=g)
    y = torch.sin(z[:, 0]) + 0.5 * z[:, 1]
    h1, h2 = (latent_opt.fit_head(z, y, steps=150, seed=3) for _ in range(2))
    with torch.no_grad():
        p1, p2 = h1(z), h2(z)
    assert torch.equal(p1, p2)
    assert float(((p1 - y) ** 2).mean()) < 0.1 * float(y.var())


@pytest.mark.parametrize(("call", "match"), [
    (lambda: latent_opt.project_to_ball(torch.zeros(3), 1.0), "shape"),
    (lambda: latent_opt.project_to_ball(torch.zeros(2, 3), 0.0), "radius"),
    (lambda: latent_opt.project_to_ball(torch.zeros(2, 3), 1.0, torch.zeros(2)), "center"),
    (lambda: latent_opt.trust_radius(torch.zeros(3, 2), 1.5), "quantile"),
    (lambda: latent_opt.expected_improvement(np.zeros(2), -np.ones(2), 0.0), "std must be >= 0"),
    (lambda: latent_opt.expected_improvement(np.zeros(2), np.ones(3), 0.0), "same shape"),
    (lambda: latent_opt.propose_batch_ei(np.zeros((3, 1)), np.zeros(3), np.zeros((2, 1)), q=3), "q must be"),
    (lambda: latent_opt.fit_head(torch.zeros(5, 2), torch.zeros(4)), "z \\(n, d\\)"),
    (lambda: latent_opt.compare_methods(budget=25, rounds=2), "multiple of rounds"),
    (lambda: latent_opt.evaluate_latent_opt(seeds=()), "at least one seed"),
])
def test_bad_input_is_refused_with_a_message(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.slow
def test_compare_methods_is_deterministic_and_reports_every_method():
    """Same seed, same numbers; every metric a fraction or score in [0, 1]."""
    kwargs = {"budget": 10, "rounds": 1, "n_labelled": 100, "finetune_steps": 1, "n_candidates": 200, "n_gp": 50}
    a = latent_opt.compare_methods(seed=1, **kwargs)
    b = latent_opt.compare_methods(seed=1, **kwargs)
    assert a == b
    assert set(a) == set(latent_opt.METHODS)
    for method, row in a.items():
        assert set(row) == {"best", "top10_mean", "validity", "novelty", "fooled"}, method
        assert all(0.0 <= v <= 1.0 for v in row.values()), (method, row)
        assert row["best"] >= row["top10_mean"], (method, row)
