"""Posterior collapse and disentanglement, where the optimum is known exactly (lab 07).

Notation (GLOSSARY.md): s^2 is the decoder's noise variance (the argument ``sigma2``), sigma^2 the
encoder's variance (stored as ``logvar``).

**The linear VAE.** Decoder p(x|z) = N(W z + b, s^2 I); encoder q(z|x) = N(V x + c, diag(sigma^2))
with a variance sigma^2 that does not depend on x; prior N(0, I). For a linear decoder the expected
reconstruction error under q has a closed form (no sampling needed):

    E_q ||x - W z - b||^2 = ||x - W mu - b||^2 + sum_i sigma_i^2 ||w_i||^2,

with w_i the i-th column of W. Minimising E||.||^2 / (2 s^2) + beta KL is the ordinary ELBO
with noise beta s^2, and with lambda_i the eigenvalues of the data covariance its optimum is
(Lucas et al., 2019, "Don't blame the ELBO"; B. Dai, Wang, Aston, Hua & Wipf, JMLR 2018):

* latent i is **active** iff lambda_i > beta s^2 (otherwise it collapses to the prior);
* ||w_i||^2 = max(0, lambda_i - beta s^2), along the i-th principal direction;
* KL_i = 0.5 ln(lambda_i / (beta s^2)) nats for an active latent, 0 for a collapsed one;
* the decoder's output at z = 0 is b = the data mean.

The diagonal encoder variance is what picks the principal directions: without it the solution
is only determined up to a rotation of the latents. The principal directions are the data's
generating factors only when those act along orthogonal directions with distinct variances.

**Fibrosis images.** A seeded simulator of 32 x 32 "lung" images whose fibrosis severity in
[0, 1] sets how far a reticular opacity spreads in from the lung's edge and base, for the
latent traversal of the lab.

Shapes: data x (n, d); latents (n, k); eigenvalues (d,); images (n, size * size) in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from scipy import ndimage, stats
from torch import nn

from course_utils.vae import check_shape

KL_ACTIVE_NATS = 0.01  # a latent whose KL is below this carries (almost) no information


# --------------------------------------------------------------------------- closed form
def linear_vae_optimum(eigenvalues: np.ndarray, sigma2: float, beta: float = 1.0) -> dict[str, np.ndarray]:
    """The optimum, one entry per eigenvalue (in the given order): ``active`` (bool),
    ``w_sq`` = ||w_i||^2 and ``kl`` (nats)."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if sigma2 <= 0 or beta <= 0:
        raise ValueError(f"sigma2 and beta must be > 0, got sigma2 = {sigma2}, beta = {beta}")
    if (lam < 0).any():
        raise ValueError("covariance eigenvalues cannot be negative")
    noise = beta * sigma2
    active = lam > noise
    return {"active": active, "w_sq": np.maximum(0.0, lam - noise),
            "kl": np.where(active, 0.5 * np.log(np.maximum(lam, noise) / noise), 0.0)}


def empirical_eigenvalues(x: torch.Tensor) -> np.ndarray:
    """Eigenvalues (d,), largest first, of the covariance of ``x`` (n, d) with the 1/n normalisation
    (the maximum-likelihood covariance, which is what the ELBO of the whole data set sees)."""
    check_shape("x", x, (None, None))
    xd = x.detach().cpu().double().numpy()
    cov = np.cov(xd, rowvar=False, bias=True).reshape(xd.shape[1], xd.shape[1])
    return np.sort(np.linalg.eigvalsh(cov))[::-1].copy()


def spectrum_data(eigenvalues: np.ndarray, n: int, seed: int = 0,
                  mean: float = 3.0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` Gaussian samples (n, d) whose covariance has these eigenvalues along a random orthonormal basis.

    Returns (x float32 with ``mean`` in every coordinate, basis (d, d) whose columns are the directions).
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if lam.ndim != 1 or (lam <= 0).any():
        raise ValueError("eigenvalues must be a 1-D array of positive numbers")
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(len(lam), len(lam))))
    x = (rng.normal(size=(n, len(lam))) * np.sqrt(lam)) @ basis.T + mean
    return torch.tensor(x, dtype=torch.float32), torch.tensor(basis, dtype=torch.float32)


# --------------------------------------------------------------------------- the loss
def expected_reconstruction(x: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, weight: torch.Tensor,
                            bias: torch.Tensor, sigma2: float) -> torch.Tensor:
    """E_{z ~ N(mu, diag exp(logvar))} ||x - W z - b||^2 / (2 s^2), s^2 = ``sigma2``, exactly, one value per sample.

    x (n, d); mu (n, k); logvar (k,) or (n, k); weight W (d, k) as stored by ``nn.Linear(k, d)``; bias (d,).
    Returns (n,). The Gaussian normalising constant (d/2) ln(2 pi s^2) is left out, as in the course's other
    losses.
    """
    check_shape("x", x, (None, weight.shape[0]))
    check_shape("mu", mu, (x.shape[0], weight.shape[1]))
    if sigma2 <= 0:
        raise ValueError(f"sigma2 must be > 0, got {sigma2}")
    residual = ((x - mu @ weight.T - bias) ** 2).sum(1)
    spread = (logvar.exp() * (weight ** 2).sum(0)).sum(-1)  # sum_i s_i^2 ||w_i||^2, scalar or (n,)
    return (residual + spread) / (2 * sigma2)


def kl_per_latent(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q(z_i|x) || N(0, 1)) for each latent i, averaged over the batch: (k,) in nats.

    mu (n, k); logvar (k,) (input-independent) or (n, k).
    """
    check_shape("mu", mu, (None, None))
    logvar = logvar.expand_as(mu)
    return 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).mean(0)


LossFn = Callable[["LinearVAE", torch.Tensor, float], tuple[torch.Tensor, torch.Tensor, torch.Tensor]]


class LinearVAE(nn.Module):
    """The linear VAE with an input-independent diagonal encoder variance.

    ``encoder``: nn.Linear(d, k) giving mu; ``logvar``: (k,) parameter; ``decoder``: nn.Linear(k, d)
    (its ``weight`` is W (d, k), its ``bias`` is b). ``sigma2`` is the fixed decoder noise variance s^2.

    The parameters are float64 and inputs are cast to float64: the model is tiny, and in float32
    the loss near the optimum changes by less than its rounding, so L-BFGS can stop on the saddle
    where two latents share two principal directions (measured: 1 seed in 6 on a 3-D problem).
    """

    def __init__(self, data_dim: int, latent_dim: int, sigma2: float) -> None:
        super().__init__()
        if sigma2 <= 0:
            raise ValueError(f"sigma2 must be > 0, got {sigma2}")
        self.data_dim, self.latent_dim, self.sigma2 = data_dim, latent_dim, float(sigma2)
        self.encoder = nn.Linear(data_dim, latent_dim)
        self.logvar = nn.Parameter(torch.zeros(latent_dim))
        self.decoder = nn.Linear(latent_dim, data_dim)
        self.double()

    def loss(self, x: torch.Tensor, beta: float = 1.0, exact: bool = True
             ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(loss, reconstruction, kl per latent (k,)), batch means; loss = reconstruction + beta * kl.sum().

        ``exact=True`` takes the expectation over q in closed form; ``exact=False`` uses one
        reparameterised sample per data point, as a general VAE must.
        """
        check_shape("x", x, (None, self.data_dim))
        x = x.to(self.decoder.weight.dtype)
        mu = self.encoder(x)
        if exact:
            rec = expected_reconstruction(x, mu, self.logvar, self.decoder.weight, self.decoder.bias,
                                          self.sigma2).mean()
        else:
            z = mu + torch.exp(0.5 * self.logvar) * torch.randn_like(mu)
            rec = ((x - self.decoder(z)) ** 2).sum(1).mean() / (2 * self.sigma2)
        kl = kl_per_latent(mu, self.logvar)
        return rec + beta * kl.sum(), rec, kl

    def fit(self, x: torch.Tensor, beta: float = 1.0, method: str = "lbfgs", steps: int = 1500,
            lr: float | None = None, loss_fn: LossFn | None = None) -> list[float]:
        """Minimise the loss on all of ``x`` (full batch); returns the loss per step.

        method "lbfgs" (default; the exact loss is smooth and deterministic, so a quasi-Newton
        method reaches the optimum to several digits in about a second) or "adam" (lr default
        1e-2; with ``loss_fn`` = the one-sample loss this is what a general VAE does). ``loss_fn``
        ``(model, x, beta) -> (loss, reconstruction, kl)`` replaces :meth:`loss`.
        """
        check_shape("x", x, (None, self.data_dim))
        x = x.to(self.decoder.weight.dtype)
        fn = loss_fn or (lambda m, xb, b: m.loss(xb, b))
        losses: list[float] = []
        if method == "lbfgs":
            optimizer = torch.optim.LBFGS(self.parameters(), lr=lr or 1.0, max_iter=20, history_size=20,
                                          line_search_fn="strong_wolfe", tolerance_grad=1e-10,
                                          tolerance_change=1e-14)

            def closure() -> torch.Tensor:
                optimizer.zero_grad()
                value = fn(self, x, beta)[0]
                value.backward()
                return value

            for _ in range(max(1, steps // 20)):
                losses.append(float(optimizer.step(closure).detach()))
                if len(losses) > 1 and abs(losses[-2] - losses[-1]) <= 1e-12 * abs(losses[-1]):
                    break  # converged to float64 precision
        elif method == "adam":
            optimizer = torch.optim.Adam(self.parameters(), lr=lr or 1e-2)
            for _ in range(steps):
                value = fn(self, x, beta)[0]
                optimizer.zero_grad()
                value.backward()
                optimizer.step()
                losses.append(value.item())
        else:
            raise ValueError(f"method must be 'lbfgs' or 'adam', got {method!r}")
        if not all(math.isfinite(v) for v in losses):
            raise FloatingPointError("the loss became NaN or inf: standardise x or lower the learning rate")
        return losses

    @torch.no_grad()
    def report(self, x: torch.Tensor, beta: float = 1.0) -> dict[str, np.ndarray]:
        """Per latent, sorted by ||w_i||^2 (largest first): ``w_sq``, ``kl`` (nats); and ``g0`` = decoder(0) (d,)."""
        x = x.to(self.decoder.weight.dtype)
        kl = self.loss(x, beta)[2].cpu().double().numpy()
        w_sq = (self.decoder.weight.cpu().double() ** 2).sum(0).numpy()
        order = np.argsort(-w_sq, kind="stable")
        g0 = self.decoder(torch.zeros(1, self.latent_dim, dtype=x.dtype, device=x.device))[0].cpu().double().numpy()
        return {"w_sq": w_sq[order], "kl": kl[order], "g0": g0}


def closed_form_errors(model: LinearVAE, x: torch.Tensor, beta: float = 1.0) -> dict[str, float]:
    """How far a trained ``model`` is from the closed form on ``x``.

    Latents are matched to eigenvalues by rank of ||w_i||^2 (the optimum orders them the same way).
    Returns ``max_rel_err`` (largest relative error of ||w_i||^2 and KL_i over the active latents),
    ``collapsed_max`` (largest ||w_i||^2 or KL_i, in units of the largest eigenvalue / nats, over the
    latents that should be collapsed), ``active`` (latents with KL > 0.01 nats), ``expected_active``
    and ``g0_err`` (max |decoder(0) - data mean|). Needs latent_dim <= data_dim.
    """
    lam = empirical_eigenvalues(x)[: model.latent_dim]
    opt = linear_vae_optimum(lam, model.sigma2, beta)
    rep = model.report(x, beta)
    on = opt["active"]
    rel = np.concatenate([np.abs(rep["w_sq"][on] - opt["w_sq"][on]) / opt["w_sq"][on],
                          np.abs(rep["kl"][on] - opt["kl"][on]) / opt["kl"][on]])
    off = ~on
    collapsed = max([0.0, *(rep["w_sq"][off] / lam[0]), *rep["kl"][off]])
    mean = x.detach().cpu().double().mean(0).numpy()
    return {"max_rel_err": float(rel.max()) if rel.size else 0.0, "collapsed_max": float(collapsed),
            "active": int((rep["kl"] > KL_ACTIVE_NATS).sum()), "expected_active": int(on.sum()),
            "g0_err": float(np.abs(rep["g0"] - mean).max())}


def sigma_sweep(x: torch.Tensor, sigma2s: list[float], latent_dim: int | None = None, beta: float = 1.0,
                seed: int = 0) -> list[dict[str, float]]:
    """Fit a LinearVAE (L-BFGS, exact loss) at each decoder noise; one :func:`closed_form_errors` row each,
    with ``sigma2`` added."""
    rows = []
    for s2 in sigma2s:
        torch.manual_seed(seed)
        model = LinearVAE(x.shape[1], latent_dim or x.shape[1], s2)
        model.fit(x, beta)
        rows.append({"sigma2": float(s2), **closed_form_errors(model, x, beta)})
    return rows


# --------------------------------------------------------------------------- fibrosis images
IMAGE_SIZE = 32


def lung_mask(size: int = IMAGE_SIZE) -> np.ndarray:
    """Boolean (size, size) mask of the lung field: an upright ellipse."""
    yy, xx = np.mgrid[0:size, 0:size] / (size - 1) * 2 - 1  # [-1, 1]
    return (xx / 0.8) ** 2 + (yy / 0.9) ** 2 <= 1.0


def _edge_depth(size: int) -> np.ndarray:
    """Distance of each lung pixel from the lung's edge, weighted towards the base, scaled to [0, 1]."""
    mask = lung_mask(size)
    depth = ndimage.distance_transform_edt(mask)
    yy = np.mgrid[0:size, 0:size][0] / (size - 1)  # 0 at the apex, 1 at the base
    depth = depth / depth.max() * (1.3 - 0.6 * yy)  # the base is reached first
    return np.where(mask, depth / depth[mask].max(), 1.0)


def fibrosis_images(n: int, seed: int = 0, size: int = IMAGE_SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` synthetic lung images (n, size * size) in [0, 1] and their severities (n,) ~ U(0, 1).

    Healthy lung is dark with faint smooth texture, the chest wall around it bright. Severity s
    spreads a reticular (net-like) opacity from the lung's edge and base inwards: pixels whose
    edge depth is below 0.6 s are affected, each image with its own random net. Everything is
    drawn from one NumPy generator seeded with ``seed``.
    """
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    rng = np.random.default_rng(seed)
    mask, depth = lung_mask(size), _edge_depth(size)
    severity = rng.uniform(0.0, 1.0, n)
    images = np.empty((n, size, size))
    for i, s in enumerate(severity):
        texture = ndimage.gaussian_filter(rng.normal(size=(size, size)), 1.5)
        net = ndimage.gaussian_filter(rng.normal(size=(size, size)), 0.8)
        net = (np.abs(net) < 0.12 * net.std() / 0.3).astype(float)  # thin lines where the field crosses 0
        reach = 1.0 / (1.0 + np.exp((depth - 0.6 * s) / 0.04))  # ~1 within depth 0.6 s of the edge
        lung = 0.15 + 0.08 * texture / texture.std() + reach * (0.25 + 0.45 * net)
        images[i] = np.where(mask, lung, 0.75 + 0.03 * rng.normal(size=(size, size)))
    images = np.clip(images + 0.02 * rng.normal(size=images.shape), 0.0, 1.0)
    return (torch.tensor(images.reshape(n, -1), dtype=torch.float32),
            torch.tensor(severity, dtype=torch.float32))


def opacity(images: torch.Tensor, size: int = IMAGE_SIZE) -> torch.Tensor:
    """Mean intensity inside the lung field, one value per image (n,): a radiologist-free severity read-out."""
    check_shape("images", images, (None, size * size))
    mask = torch.as_tensor(lung_mask(size).ravel(), device=images.device)
    return images[:, mask].mean(1)


def severity_direction(mu: torch.Tensor, severity: torch.Tensor, quantile: float = 0.25) -> torch.Tensor:
    """Unit vector (k,) in latent space along which severity grows: the mean code of the most severe
    ``quantile`` of samples minus the mean code of the least severe ``quantile``, normalised to length 1.

    mu (n, k); severity (n,). A least-squares regression of severity on mu is *not* used: collapsed
    latents have codes with almost no variance, so their regression coefficients are large and noisy,
    and the normalised direction would point mostly into latents the decoder ignores.
    """
    check_shape("mu", mu, (None, None))
    check_shape("severity", severity, (mu.shape[0],))
    if not 0 < quantile <= 0.5:
        raise ValueError(f"quantile must be in (0, 0.5], got {quantile}")
    low, high = torch.quantile(severity.double(), quantile), torch.quantile(severity.double(), 1 - quantile)
    diff = mu[severity.double() >= high].double().mean(0) - mu[severity.double() <= low].double().mean(0)
    if not torch.isfinite(diff).all() or diff.norm() == 0:
        raise ValueError("the most and least severe samples have the same mean code: no direction")
    return (diff / diff.norm()).to(mu.dtype)


def traverse(decode: Callable[[torch.Tensor], torch.Tensor], center: torch.Tensor, direction: torch.Tensor,
             scales: torch.Tensor) -> torch.Tensor:
    """Decode ``center + t * direction`` for each t in ``scales`` (m,): returns decode's output (m, ...).

    center and direction (k,); ``decode`` maps codes (m, k) to outputs, e.g. a VAE's decoder
    followed by a sigmoid. Runs without gradients.
    """
    check_shape("direction", direction, (center.shape[0],))
    check_shape("scales", scales, (None,))
    with torch.no_grad():
        return decode(center[None, :] + scales[:, None].to(center) * direction[None, :])


def traversal_spearman(scales: torch.Tensor, images: torch.Tensor) -> float:
    """Spearman rank correlation between traversal positions (m,) and the decoded images' opacity."""
    return float(stats.spearmanr(scales.cpu().numpy(), opacity(images).cpu().numpy()).statistic)


SPECTRUM = np.array([6.0, 4.0, 2.5, 1.5, 1.0, 0.6, 0.3, 0.15])  # the lab's data covariance eigenvalues


def sweep_noise_levels(eigenvalues: np.ndarray) -> np.ndarray:
    """Noise levels beta s^2 between consecutive eigenvalues (their geometric means), plus one above
    the largest: each level switches off one more latent. Levels right at an eigenvalue are avoided on
    purpose: there the latent is barely active (KL near 0) and training slows down without end."""
    lam = np.sort(np.asarray(eigenvalues, dtype=np.float64))[::-1]
    return np.append(np.sqrt(lam[:-1] * lam[1:]), 1.5 * lam[0])


def evaluate_collapse(seed: int = 0) -> dict[str, float]:
    """The lab's measured results: closed-form error over a sweep of the decoder noise s^2 (:func:`sweep_noise_levels`
    of :data:`SPECTRUM`, at beta = 1 and 2, 10,000 samples), and the traversal
    Spearman of an MLP VAE trained on 4,000 fibrosis images for 15 epochs."""
    from course_utils import data, training, vae

    x, _ = spectrum_data(SPECTRUM, 10_000, seed=seed)
    worst, collapsed, active_ok = 0.0, 0.0, True
    for beta in (1.0, 2.0):
        for row in sigma_sweep(x, list(sweep_noise_levels(SPECTRUM) / beta), beta=beta, seed=seed):
            worst, collapsed = max(worst, row["max_rel_err"]), max(collapsed, row["collapsed_max"])
            active_ok &= row["active"] == row["expected_active"]
    images, severity = fibrosis_images(4000, seed=seed)
    training.seed_everything(seed)
    model = vae.VAE(images.shape[1], [256], 8)
    training.train(model, data.make_loader(images, batch_size=128), training.vae_loss("bernoulli"),
                   epochs=15, lr=2e-3, progress=False)
    model.cpu()  # trained on the course device (a GPU if present); analysed on the CPU
    with torch.no_grad():
        mu = model.encoder(images)[0]
    direction = severity_direction(mu, severity)
    scales = torch.linspace(-2.5, 2.5, 11) * (mu @ direction).std()
    decoded = traverse(lambda z: torch.sigmoid(model.decoder(z)), mu.mean(0), direction, scales)
    return {"closed_form_max_rel_err": worst, "collapsed_max": collapsed, "active_counts_match": float(active_ok),
            "traversal_spearman": traversal_spearman(scales, decoded)}
