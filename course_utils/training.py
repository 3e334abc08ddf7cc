"""Training utilities: seeding, device choice, KL annealing, a guarded training loop.

Environment variables this module reads:

- ``COURSE_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``...) overrides the automatic device choice;
- ``NBGRADER_EXECUTION`` (set by nbgrader while it autogrades or validates) makes
  :func:`grading_budget` return the small budget, so grading a submission takes seconds.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import torch
from tqdm import tqdm

from course_utils.vae import ELBOTerms, Likelihood, negative_elbo

T = TypeVar("T")
LossFn = Callable[[torch.nn.Module, Any, float], "tuple[torch.Tensor, torch.Tensor, torch.Tensor]"]


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch (CPU and CUDA); return a ``torch.Generator`` seeded too."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    return torch.Generator().manual_seed(seed)


def get_device(prefer: str | None = None) -> torch.device:
    """The device to train on: ``prefer``, else ``$COURSE_DEVICE``, else CUDA when present, else CPU.

    Raises ``RuntimeError`` if CUDA is asked for on a machine without it.
    """
    name = prefer or os.environ.get("COURSE_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as err:
        raise ValueError(f"unknown device {name!r}: expected 'cpu', 'cuda' or 'cuda:N'") from err
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(
            f"device {name!r} was requested (argument or COURSE_DEVICE) but PyTorch sees no CUDA GPU; "
            "unset COURSE_DEVICE or set it to 'cpu', or install a CUDA build of torch (see README)"
        )
    return device


def to_device(batch: Any, device: torch.device) -> Any:
    """Move a tensor, or a tuple/list/dict of tensors, to ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(b, device) for b in batch)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    return batch


def is_grading() -> bool:
    """True while nbgrader autogrades or validates (it sets ``NBGRADER_EXECUTION``)."""
    return bool(os.environ.get("NBGRADER_EXECUTION"))


def grading_budget(full: T, graded: T) -> T:
    """``graded`` while nbgrader runs the notebook, else ``full`` (epochs, steps, samples, seconds)."""
    return graded if is_grading() else full


def time_scale() -> float:
    """``COURSE_TIME_SCALE`` (default 1): every time budget of :func:`train` is multiplied by it.

    ``COURSE_TIME_SCALE=0.2`` makes this machine behave like one five times slower, as far as the
    time-budgeted cells are concerned: the test suite runs the notebooks that way to check that each
    still passes its own checks or says plainly that the machine was too slow.
    """
    raw = os.environ.get("COURSE_TIME_SCALE", "").strip()
    if not raw:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"COURSE_TIME_SCALE must be a positive number such as 0.2, got {raw!r}") from None
    if not value > 0:
        raise ValueError(f"COURSE_TIME_SCALE must be a positive number such as 0.2, got {raw!r}")
    return value


def linear_anneal(step: int, total_steps: int, beta_max: float = 1.0, warmup_fraction: float = 0.3) -> float:
    """KL weight rising linearly from 0 to ``beta_max`` over the first ``warmup_fraction`` of training."""
    if total_steps <= 0 or not 0 <= warmup_fraction <= 1:
        raise ValueError(f"need total_steps > 0 and 0 <= warmup_fraction <= 1, got {total_steps}, {warmup_fraction}")
    warmup = warmup_fraction * total_steps
    return beta_max if warmup == 0 else beta_max * min(1.0, step / warmup)


def cyclical_anneal(
    step: int, total_steps: int, beta_max: float = 1.0, n_cycles: int = 4, ratio: float = 0.5
) -> float:
    """Cyclical KL weight (Fu et al., 2019): ``n_cycles`` ramps 0 -> ``beta_max``, each over ``ratio`` of a cycle."""
    if total_steps <= 0 or n_cycles <= 0 or not 0 < ratio <= 1:
        raise ValueError(
            f"need total_steps > 0, n_cycles > 0 and 0 < ratio <= 1, got {total_steps}, {n_cycles}, {ratio}"
        )
    period = total_steps / n_cycles
    phase = (step % period) / period
    return beta_max * min(1.0, phase / ratio)


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite during training."""


def check_finite(loss: torch.Tensor, step: int) -> None:
    """Stop training with a hint when ``loss`` is NaN or infinite."""
    if not torch.isfinite(loss).all():
        raise NonFiniteLossError(
            f"loss is {loss.detach().cpu().tolist()} at step {step}. Hints: lower the learning rate; "
            "clip gradients (clip_grad_norm=1.0); check the KL term uses logvar (exp(logvar), not "
            "exp(sigma)); use BCE with logits rather than sigmoid + log; look for NaN in the inputs."
        )


@dataclass
class TrainingHistory:
    """Per-step records of a training run (losses as Python floats)."""

    step: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    reconstruction: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)
    beta: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    seconds: float = 0.0


def vae_loss(likelihood: Likelihood, **likelihood_kwargs: float) -> LossFn:
    """The loss function :func:`train` needs for a :class:`~course_utils.vae.VAE` on ``(x,)`` batches."""

    def loss_fn(model: torch.nn.Module, batch: Any, beta: float) -> ELBOTerms:
        x = batch[0] if isinstance(batch, (list, tuple)) else batch
        output, mu, logvar = model(x)
        return negative_elbo(
            output, x, mu, logvar, likelihood=likelihood, beta=beta, reduction="mean", **likelihood_kwargs
        )

    return loss_fn


def planned_steps(step: int, elapsed: float, cap: int, max_seconds: float | None, warmup: int = 10) -> int:
    """Steps a run will take: ``cap``, or with a time budget the steps that fit in it at the measured speed.

    ``step`` steps took ``elapsed`` seconds. The estimate is never below ``step + 1`` (the current step
    is part of the run) and never above ``cap``; before ``warmup`` steps there is no speed to trust yet.
    """
    if max_seconds is None or step < warmup or elapsed <= 0:
        return cap
    return max(step + 1, min(cap, int(step * max_seconds / elapsed)))


class Progress:
    """One progress line that updates in place: in a notebook a display that is replaced (so an
    executed notebook keeps one line, not hundreds), in a terminal a tqdm bar. Shows the planned
    steps from the first update, the elapsed and remaining time, and the latest loss."""

    def __init__(self, total: int, enabled: bool, time_budget: float | None) -> None:
        self.enabled, self.total, self.time_budget = enabled, total, time_budget
        self.handle: Any = None
        self.bar: Any = None
        self.last = 0.0
        self.start = time.perf_counter()
        if not enabled:
            return
        try:
            from IPython import get_ipython

            in_kernel = get_ipython() is not None and hasattr(get_ipython(), "kernel")
        except ImportError:
            in_kernel = False
        if in_kernel:
            from IPython.display import display

            self.handle = display({"text/plain": self._text(0, total, None)}, raw=True, display_id=True)
        else:
            self.bar = tqdm(total=total, file=sys.stdout, mininterval=1.0, leave=False)

    def _text(self, step: int, planned: int, loss: float | None) -> str:
        elapsed = time.perf_counter() - self.start
        if self.time_budget is not None:
            left = max(0.0, self.time_budget - elapsed)
            when = f"{elapsed:.0f} s of a {self.time_budget:.0f} s budget"
        else:
            left = elapsed / step * (planned - step) if step else float("nan")
            when = f"{elapsed:.0f} s, about {left:.0f} s left" if step else "starting"
        loss_text = f", loss {loss:.4g}" if loss is not None else ""
        return f"step {step}/{planned} ({when}{loss_text})"

    def update(self, step: int, planned: int, loss: float, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if self.bar is not None:
            self.bar.total = planned
            self.bar.update(step - self.bar.n)
            self.bar.set_postfix(loss=f"{loss:.3g}", refresh=False)
        elif force or now - self.last >= 1.0:
            self.handle.update({"text/plain": self._text(step, planned, loss)}, raw=True)
            self.last = now

    def close(self, step: int, loss: float | None) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.handle is not None:
            elapsed = time.perf_counter() - self.start
            self.handle.update({"text/plain": f"trained {step} steps in {elapsed:.0f} s"
                                + (f" (final loss {loss:.4g})" if loss is not None else "")}, raw=True)


def slow_machine_notice(history: TrainingHistory, expected_steps: int, if_slow: str) -> str | None:
    """The plain words a time-budgeted run owes a student when it managed far fewer steps than the
    lab's text assumes (a slow or busy machine), or None when it managed at least half of them."""
    done = len(history.step)
    if done >= expected_steps / 2:
        return None
    return (f"NOTE: this machine managed {done} training steps in {history.seconds:.0f} s; the numbers the text "
            f"quotes come from about {expected_steps} steps (a typical laptop). The results below will be weaker "
            f"than the text says: that is the short run, not a bug in your code. {if_slow}").strip()


def train(
    model: torch.nn.Module,
    loader: Iterable[Any],
    loss_fn: LossFn,
    *,
    epochs: int = 1,
    lr: float = 1e-3,
    beta: float | Callable[[int, int], float] = 1.0,
    lr_schedule: Callable[[int, int], float] | None = None,
    max_steps: int | None = None,
    max_seconds: float | None = None,
    clip_grad_norm: float | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    device: torch.device | str | None = None,
    progress: bool = True,
    expected_steps: int | None = None,
    if_slow: str = "",
) -> TrainingHistory:
    """Minimise the loss ``loss_fn(model, batch, beta)[0]`` with Adam; return the per-step history.

    Parameters
    ----------
    loader : an iterable of batches with ``len()`` (a DataLoader); batches are moved to ``device``
    loss_fn : ``(model, batch, beta) -> (loss, reconstruction, kl)``, scalar tensors, such as an
        :class:`~course_utils.vae.ELBOTerms` (see :func:`vae_loss`)
    beta : a constant KL weight, or a schedule ``(step, total_steps) -> beta`` such as
        ``functools.partial(linear_anneal, beta_max=0.5)``
    lr_schedule : ``(step, total_steps) -> factor``; each step's learning rate is ``lr`` (or the given
        optimiser's initial rate) times this factor. None: a constant rate.
    max_steps, max_seconds : stop early after this many optimiser steps or seconds
    clip_grad_norm : clip the global gradient norm to this value (None: no clipping)
    expected_steps, if_slow : for a time-budgeted run, the steps the lab's text assumes; when fewer
        than half of them fit (a slow or busy machine), a plain notice says so, and ``if_slow`` says
        what to do (run more, or load the checkpoint). Not printed while nbgrader grades.
        ``COURSE_TIME_SCALE`` (see :func:`time_scale`) scales ``max_seconds``.

    With ``max_seconds``, the ``total_steps`` a schedule receives is the number of steps planned to fit
    in the budget, re-estimated at every step from the speed measured so far (after 10 steps; before
    that, the step cap). A schedule written in fractions of the run (warm up over the first half,
    decay over the last third) therefore keeps its shape on a slow machine and on a fast one.

    Raises
    ------
    NonFiniteLossError : the loss became NaN/inf (the message lists what to try)
    """
    if max_seconds is not None:
        max_seconds = max_seconds * time_scale()
    device = get_device(str(device)) if device is not None else get_device()
    model.to(device).train()
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    total = epochs * len(loader)  # type: ignore[arg-type]
    if max_steps is not None:
        total = min(total, max_steps)
    schedule = beta if callable(beta) else (lambda step, total_steps: float(beta))
    base_lrs = [group["lr"] for group in optimizer.param_groups]
    history = TrainingHistory()
    start = time.perf_counter()
    bar = Progress(total, enabled=progress and not is_grading(), time_budget=max_seconds)
    step = 0
    try:
        while step < total:
            for batch in loader:
                planned = planned_steps(step, time.perf_counter() - start, total, max_seconds)
                b = schedule(step, planned)
                if lr_schedule is not None:
                    factor = lr_schedule(step, planned)
                    for group, base in zip(optimizer.param_groups, base_lrs, strict=True):
                        group["lr"] = base * factor
                loss, reconstruction, kl = loss_fn(model, to_device(batch, device), b)
                check_finite(loss, step)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if clip_grad_norm is not None:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
                optimizer.step()
                history.step.append(step)
                history.loss.append(loss.item())
                history.reconstruction.append(reconstruction.item())
                history.kl.append(kl.item())
                history.beta.append(b)
                history.lr.append(optimizer.param_groups[0]["lr"])
                step += 1
                # the bar counts the steps planned to fit (a time-budgeted run's, not the loader's), from the
                # first step on: the speed of the steps so far, however few
                shown = planned_steps(step, time.perf_counter() - start, total, max_seconds, warmup=1)
                bar.update(step, shown, history.loss[-1], force=step == 1)
                out_of_time = max_seconds is not None and time.perf_counter() - start > max_seconds
                if step >= total or out_of_time:
                    break
            if max_seconds is not None and time.perf_counter() - start > max_seconds:
                break
    finally:
        bar.close(step, history.loss[-1] if history.loss else None)
    history.seconds = time.perf_counter() - start
    model.eval()
    if expected_steps is not None and max_seconds is not None and not is_grading():
        notice = slow_machine_notice(history, expected_steps, if_slow)
        if notice:
            print(notice)
    return history


def moving_average(values: list[float], window: int = 20) -> np.ndarray:
    """Trailing mean over ``window`` steps (shorter at the start), for smoothing loss curves."""
    if window <= 0:
        raise ValueError(f"window must be > 0, got {window}")
    v = np.asarray(values, dtype=float)
    c = np.cumsum(np.insert(v, 0, 0.0))
    idx = np.arange(1, len(v) + 1)
    lo = np.maximum(0, idx - window)
    return (c[idx] - c[lo]) / (idx - lo)


__all__ = [
    "NonFiniteLossError",
    "TrainingHistory",
    "check_finite",
    "cyclical_anneal",
    "get_device",
    "grading_budget",
    "is_grading",
    "linear_anneal",
    "moving_average",
    "planned_steps",
    "seed_everything",
    "to_device",
    "train",
    "vae_loss",
]
