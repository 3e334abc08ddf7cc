"""Helpers the notebooks' test cells use (the instructor's grading tools live in ``course_grading``).

- :func:`forbid_reference` is used inside hidden tests. While it is active, calling the
  ``course_utils`` reference (by any name: ``vae.kl_divergence``, an alias, a subclass) raises
  :class:`ReferenceCalledError`, so an answer that merely wraps the reference fails its test.
- :func:`assert_shape` and :func:`assert_close` fail with a message that names the function, what
  was expected, what came back (the first differing value) and the likely mistake. Given the
  values that catalogued mistakes compute on the same input (:mod:`course_utils.mistakes`),
  :func:`assert_close` names the mistake a wrong answer matches instead of only rejecting it.
- :func:`assert_same` does the same for exact values that are not numbers (token lists, strings, id
  lists, booleans); :func:`outcome` turns "raised ValueError" into a value (:data:`RAISED`) it can compare.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


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


def _as_float64(value: object) -> torch.Tensor:
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu().double()
    return torch.as_tensor(value, dtype=torch.float64)


def _show(t: torch.Tensor, digits: int = 6) -> str:
    flat = t.flatten()[:6].tolist()
    return "[" + ", ".join(f"{v:.{digits}g}" for v in flat) + (", ...]" if t.numel() > 6 else "]") \
        if t.dim() else f"{t.item():.{digits}g}"


def _first_difference(g: torch.Tensor, e: torch.Tensor, atol: float, rtol: float) -> str:
    """Where ``g`` and ``e`` first differ, with enough digits that the two values visibly differ."""
    import torch

    bad = ~torch.isclose(g, e, atol=atol, rtol=rtol)
    if g.dim() == 0:
        where, gv, ev = "", g.item(), e.item()
    else:
        idx = tuple(int(i) for i in torch.nonzero(bad)[0])
        where, gv, ev = f" at index {idx if len(idx) > 1 else idx[0]}", g[idx].item(), e[idx].item()
    digits = 6
    while digits < 17 and f"{gv:.{digits}g}" == f"{ev:.{digits}g}":
        digits += 2
    count = f" ({int(bad.sum())} of {bad.numel()} values differ)" if g.dim() else ""
    return f"first difference{where}: expected {ev:.{digits}g}, got {gv:.{digits}g}{count}"


def assert_close(name: str, got: object, expected: object, hint: str = "", atol: float = 1e-5,
                 rtol: float = 1e-4, mistakes: Mapping[str, object] | None = None) -> None:
    """Test-cell helper: compare numbers/tensors and explain the difference.

    ``mistakes`` maps an explanation of a known mistake ("you used the variance where the standard
    deviation goes") to what that mistake computes on the same input. When the answer differs from
    ``expected`` but matches one of them (same tolerances), the failure names that mistake; otherwise
    it shows the first differing value and ``hint``.
    """
    g, e = _as_float64(got), _as_float64(expected)
    if g.shape != e.shape:
        for why, value in (mistakes or {}).items():
            if _as_float64(value).shape == g.shape:
                raise AssertionError(f"{name}: expected shape {tuple(e.shape)}, got {tuple(g.shape)}. "
                                     f"Likely mistake: {why}.")
        raise AssertionError(f"{name}: expected shape {tuple(e.shape)}, got {tuple(g.shape)}. {hint}".strip())
    import torch

    if torch.allclose(g, e, atol=atol, rtol=rtol, equal_nan=False):
        return
    matched = []
    for why, value in (mistakes or {}).items():
        m = _as_float64(value)
        if m.shape == g.shape and torch.allclose(g, m, atol=atol, rtol=rtol) and not torch.allclose(m, e, atol=atol,
                                                                                                   rtol=rtol):
            matched.append(why)
    if matched:  # two mistakes can give the same value on this input: name each
        where = f"; {_first_difference(g, e, atol, rtol)}" if g.numel() > 1 else ""
        raise AssertionError(f"{name}: expected {_show(e)}, got {_show(g)}{where}. Likely mistake: "
                             + "; or: ".join(matched) + ".")
    if not torch.isfinite(g).all():
        raise AssertionError(f"{name}: got non-finite values (nan or inf): {_show(g)}; expected {_show(e)}. "
                             f"{hint}".strip())
    if g.numel() == 1:  # one number: shown with enough digits to see the difference
        ev, gv = e.item(), g.item()
        digits = 6
        while digits < 17 and f"{gv:.{digits}g}" == f"{ev:.{digits}g}":
            digits += 2
        raise AssertionError(f"{name}: expected {ev:.{digits}g}, got {gv:.{digits}g}. {hint}".strip())
    raise AssertionError(f"{name}: expected {_show(e)}, got {_show(g)}; {_first_difference(g, e, atol, rtol)}. "
                         f"{hint}".strip())


#: What :func:`outcome` returns for a call that raised ``ValueError``.
RAISED = "<raised ValueError>"


def outcome(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, or :data:`RAISED` when it raises ``ValueError`` (other errors propagate)."""
    try:
        return fn(*args)
    except ValueError:
        return RAISED


def _plain(value: Any) -> Any:
    """Tensors and tuples as lists of Python numbers, so that == compares values."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value


def _short(value: Any, limit: int = 160) -> str:
    text = "ValueError raised" if value is RAISED or value == RAISED else repr(value)
    return text if len(text) <= limit else text[: limit - 5] + " ...]"


def assert_same(name: str, got: Any, expected: Any, hint: str = "", mistakes: Mapping[str, Any] | None = None) -> None:
    """Test-cell helper for exact values (token lists, strings, ids, booleans): fail naming the mistake.

    ``mistakes`` maps an explanation to the value that mistake gives on the same input (:data:`RAISED`
    for "raises ValueError"). When ``got`` differs from ``expected`` and equals one of them, the
    failure names it; otherwise it shows both values and ``hint``.
    """
    g, e = _plain(got), _plain(expected)
    if isinstance(e, bool) and isinstance(g, (bool, int)):
        g = bool(g)
    if g == e:
        return
    matched = [why for why, value in (mistakes or {}).items() if _plain(value) == g and _plain(value) != e]
    if matched:
        raise AssertionError(f"{name}: expected {_short(e)}, got {_short(g)}. Likely mistake: "
                             + "; or: ".join(matched) + ".")
    raise AssertionError(f"{name}: expected {_short(e)}, got {_short(g)}. {hint}".strip())
