"""mutation/PINNED.md and each lab's "How this lab's answers are checked" cell name the unit tests that pin the
references a lab grades against. Every test they name must exist, must not be marked slow (the pins are fast
tests), and no reference may still be marked PARTIAL or UNPINNED in a lab's table."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir() and p.name.startswith("lab"))


def fast_tests() -> dict[str, set[str]]:
    """{test file name: names of its test functions that are not marked slow}."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "tests").glob("test_*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                slow = any("slow" in ast.unparse(d) for d in node.decorator_list)
                if not slow:
                    names.add(node.name)
        found[path.name] = names
    return found


def how_checked(lab: str) -> str:
    nb = json.loads((ROOT / "solutions" / lab / f"{lab}.ipynb").read_text())
    cells = [c for c in nb["cells"] if c.get("id") == "how-checked"]
    assert len(cells) == 1, f"solutions/{lab}: expected one Markdown cell with id 'how-checked', found {len(cells)}"
    return "".join(cells[0]["source"])


@pytest.mark.parametrize("lab", LABS)
def test_each_lab_names_only_fast_tests_that_exist(lab):
    tests = fast_tests()
    text = how_checked(lab)
    named = re.findall(r"tests/(test_\w+\.py)::(test_\w+)", text)
    missing = [f"{f}::{t}" for f, t in named if t not in tests.get(f, set())]
    assert not missing, f"solutions/{lab}, cell 'how-checked', names tests that do not exist or are slow: {missing}"
    assert "PARTIAL" not in text and "UNPINNED" not in text, f"solutions/{lab}: a reference is not fully pinned"


def test_pinned_md_names_only_fast_tests_that_exist():
    tests = fast_tests()
    every = set().union(*tests.values())
    text = (ROOT / "mutation" / "PINNED.md").read_text()
    qualified = re.findall(r"(test_\w+\.py)::(test_\w+)", text)
    missing = [f"{f}::{t}" for f, t in qualified if t not in tests.get(f, set())]
    bare = set(re.findall(r"`(test_\w+)`", text)) - every
    unknown = missing + sorted(bare)
    assert not unknown, f"mutation/PINNED.md names tests that do not exist or are slow: {unknown}"
    table_rows = [line for line in text.splitlines() if line.startswith("| `")]
    weak = [line[:80] for line in table_rows if "**PARTIAL**" in line or "**UNPINNED**" in line]
    assert not weak, f"mutation/PINNED.md still marks these rows PARTIAL or UNPINNED: {weak}"
