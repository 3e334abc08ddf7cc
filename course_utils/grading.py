"""Helpers the notebooks' test cells use (the instructor's grading tools live in ``course_grading``).

- :func:`forbid_reference` is used inside hidden tests. While it is active, calling the
  ``course_utils`` reference (by any name: ``vae.kl_divergence``, an alias, a subclass) raises
  :class:`ReferenceCalledError`, so an answer that merely wraps the reference fails its test.
- :func:`assert_shape` and :func:`assert_close` fail with a message that names the function, what
  was expected, what came back and the likely mistake.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator


class ReferenceCalledError(RuntimeError):
    """An answer called the course_utils reference it was asked to implement."""


def _raising_code(fn: types.FunctionType) -> types.CodeType:
    """A code object that raises, with the same free variables as ``fn`` (``super()`` needs one)."""
    qualname = f"{fn.__module__}.{fn.__qualname__}"
    message = (
        f"this answer calls the course reference {qualname} instead of implementing it; "
        "write the computation yourself (torch operations are fine)"
    )
    free = fn.__code__.co_freevars
    # Only builtins are used, so the code runs correctly with any function's globals.
    source = "def _outer():\n"
    source += "".join(f"    {name} = None\n" for name in free)
    source += "    def _forbidden(*args, **kwargs):\n"
    source += "".join(f"        {name}\n" for name in free)
    source += f"        raise RuntimeError({message!r})\n    return _forbidden\n"
    namespace: dict[str, object] = {}
    exec(compile(source, f"<forbidden {qualname}>", "exec"), namespace)
    code = namespace["_outer"]().__code__  # type: ignore[operator]
    if code.co_freevars != free:
        raise RuntimeError(f"cannot guard {qualname}: free variables {free} vs {code.co_freevars}")
    return code


def _functions_of(obj: object) -> list[types.FunctionType]:
    if isinstance(obj, types.FunctionType):
        return [obj]
    if isinstance(obj, type):
        return [f for name in ("__init__", "forward") if isinstance(f := obj.__dict__.get(name), types.FunctionType)]
    raise TypeError(f"forbid_reference takes functions or classes, got {type(obj).__name__}")


@contextlib.contextmanager
def forbid_reference(*references: object) -> Iterator[None]:
    """Make the given reference functions (or classes' ``__init__``/``forward``) raise while active.

    The function objects themselves are changed (their ``__code__``), so every name bound to them,
    aliases and subclasses included, is covered. Everything is restored on exit.
    """
    saved: list[tuple[types.FunctionType, types.CodeType]] = []
    try:
        for ref in references:
            for fn in _functions_of(ref):
                saved.append((fn, fn.__code__))
                fn.__code__ = _raising_code(fn)
        yield
    except RuntimeError as err:
        if "instead of implementing it" in str(err):
            raise ReferenceCalledError(str(err)) from None
        raise
    finally:
        for fn, code in saved:
            fn.__code__ = code


def assert_shape(name: str, got: object, expected: tuple[int, ...], hint: str = "") -> None:
    """Test-cell helper: fail with 'expected shape ..., got ...' and a hint."""
    shape = tuple(getattr(got, "shape", ()))
    if not hasattr(got, "shape") or shape != tuple(expected):
        what = f"shape {shape}" if hasattr(got, "shape") else f"a {type(got).__name__}"
        raise AssertionError(f"{name}: expected a tensor of shape {tuple(expected)}, got {what}. {hint}".strip())


def assert_close(name: str, got: object, expected: object, hint: str = "", atol: float = 1e-5,
                 rtol: float = 1e-4) -> None:
    """Test-cell helper: compare numbers/tensors and explain the difference (and the likely mistake)."""
    import torch

    g = torch.as_tensor(got, dtype=torch.float64).detach().cpu() if not isinstance(got, torch.Tensor) \
        else got.detach().cpu().double()
    e = torch.as_tensor(expected, dtype=torch.float64).detach().cpu() if not isinstance(expected, torch.Tensor) \
        else expected.detach().cpu().double()
    if g.shape != e.shape:
        raise AssertionError(f"{name}: expected shape {tuple(e.shape)}, got {tuple(g.shape)}. {hint}".strip())
    if not torch.allclose(g, e, atol=atol, rtol=rtol, equal_nan=False):
        def show(t: torch.Tensor) -> str:
            flat = t.flatten()[:6].tolist()
            return "[" + ", ".join(f"{v:.6g}" for v in flat) + (", ...]" if t.numel() > 6 else "]")
        raise AssertionError(f"{name}: expected {show(e)}, got {show(g)}. {hint}".strip())
