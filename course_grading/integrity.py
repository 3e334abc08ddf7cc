"""The integrity scan: answer cells that could fool tests sharing their kernel (``make integrity``).

Answer cells and test cells run in one kernel, so a determined student could make a test pass
without a right answer: override ``__eq__``/``__bool__`` so any comparison succeeds, reassign
attributes of imported modules (``torch.testing.assert_close = ...``), or rewrite the environment
with ``exec``/``eval``/``compile``/``setattr``. The sandbox does not stop that (it is the student's
own kernel); this scan lists such cells for a person to review.

``python -m course_grading.integrity PATH...`` prints one line per finding and exits 1 when
there are any.
"""

from __future__ import annotations

import ast
import json
import sys
from dataclasses import dataclass
from pathlib import Path


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
            # the builtins themselves, by name or through the builtins module; a method that shares
            # the name (re.compile, torch.compile, a tokenizer's pattern.compile) is not one of them
            func = node.func
            if isinstance(func, ast.Name):
                name = func.id
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and func.value.id in {"builtins", "__builtins__"}:
                name = func.attr
            else:
                name = ""
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
        print("usage: python -m course_grading.integrity NOTEBOOK_OR_FOLDER...", file=sys.stderr)
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
