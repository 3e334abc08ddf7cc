"""Grading support: catch answers that call the reference, and scan submissions for tricks.

Two tools, one for test cells and one for instructors:

- :func:`forbid_reference` is used inside hidden tests. While it is active, calling the
  ``course_utils`` reference (by any name: ``vae.kl_divergence``, an alias, a subclass) raises
  :class:`ReferenceCalledError`, so an answer that merely wraps the reference fails its test.
- :func:`scan_notebook` reports answer cells that could fool tests sharing their kernel:
  overriding ``__eq__``/``__bool__``, reassigning attributes of imported modules (``torch.testing.
  assert_close = ...``), or calling ``exec``/``eval``/``compile``/``setattr`` on modules.
  ``python -m course_utils.grading PATH...`` prints the report (``make integrity``).
"""

from __future__ import annotations

import ast
import contextlib
import json
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


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


@dataclass(frozen=True)
class Finding:
    """One suspicious construct in an answer cell."""

    notebook: str
    cell: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.notebook} [{self.cell}] line {self.line}: {self.what}"


_DUNDERS = {"__eq__", "__ne__", "__bool__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__len__",
            "__float__", "__abs__", "__sub__", "__getattr__", "__getattribute__", "__instancecheck__"}
_CALLS = {"exec", "eval", "compile", "__import__", "globals", "setattr", "delattr"}


def scan_source(source: str) -> list[tuple[int, str]]:
    """Suspicious constructs in one cell's Python source: a list of (line, description)."""
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError as err:
        return [(err.lineno or 0, f"does not parse ({err.msg}); it cannot be scanned")]
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {a.asname or a.name for a in node.names}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in _DUNDERS:
            found.append((node.lineno, f"defines {node.name}, which can make any comparison in a test pass"))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for t in ast.walk(target):
                    if isinstance(t, ast.Attribute):
                        root = t
                        while isinstance(root, ast.Attribute):
                            root = root.value
                        if isinstance(root, ast.Name) and root.id in imported | {"builtins", "__builtins__"}:
                            found.append((t.lineno, f"reassigns {ast.unparse(t)} of an imported module"))
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in _CALLS:
                found.append((node.lineno, f"calls {name}(), which can rewrite the test's environment"))
    return sorted(found)


def scan_notebook(path: str | Path) -> list[Finding]:
    """Scan the answer cells (nbgrader ``solution: true``, code) of one notebook."""
    path = Path(path)
    nb = json.loads(path.read_text())
    findings = []
    for i, cell in enumerate(nb.get("cells", [])):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("solution"):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for line, what in scan_source(source):
            findings.append(Finding(str(path), meta.get("grade_id", f"cell {i}"), line, what))
    return findings


def main(argv: list[str] | None = None) -> int:
    """Scan notebooks (or folders of them); print findings; exit 1 when there are any."""
    paths = [Path(p) for p in (argv if argv is not None else sys.argv[1:])]
    if not paths:
        print("usage: python -m course_utils.grading NOTEBOOK_OR_FOLDER...", file=sys.stderr)
        return 2
    notebooks = sorted(q for p in paths for q in ([p] if p.is_file() else p.rglob("*.ipynb")))
    notebooks = [n for n in notebooks if ".ipynb_checkpoints" not in n.parts]
    findings = [f for nb in notebooks for f in scan_notebook(nb)]
    for f in findings:
        print(f)
    print(f"integrity scan: {len(notebooks)} notebooks, {len(findings)} findings")
    return 1 if findings else 0


if __name__ == "__main__":
    raise SystemExit(main())


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
