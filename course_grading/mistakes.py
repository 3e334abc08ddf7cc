"""Run each lab's catalogue of classic mistakes and report what the tests make of them.

``tests/submissions/<lab>/mistake_*.py`` each commit one catalogued mistake (the format of every
prepared submission: ``# base: solution``, then ``# %% <grade_id>`` and the answer cell's new
source). Their header says what the course promises about it::

    # mistake: sigma = exp(logvar)                 (one line for the table)
    # caught: visible reparameterize_test          (visible or hidden, and the test cell that must fail first)
    # named: the variance where the standard deviation goes   (optional: the failure names the mistake)

``python -m course_grading.mistakes [LAB ...] [--json FILE]`` runs the solution notebook once per
lab in one kernel (with nbgrader's small budgets), then for each mistake: runs the mistaken answer,
then the *visible* part of each later test cell in order, then (if none failed) the whole cells
with their hidden tests; notes which cell failed first and its message; and puts the solution back.
It prints one line per mistake and a summary per lab (catalogued, caught by visible tests, by
hidden tests, missed, recognised by name, blamed on the wrong cell); exit status 1 when any
mistake is not caught where its header promises.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = "### BEGIN HIDDEN TESTS"


@dataclass
class Mistake:
    """One prepared mistake and what its header promises."""

    path: Path
    summary: str
    caught: str  # "visible" or "hidden"
    cell: str  # the test cell that must fail first
    named: str  # a phrase the failure must contain ("" when not promised)
    edits: list[tuple[str, str]] = field(default_factory=list)  # (grade_id, new source)

    @classmethod
    def read(cls, path: Path) -> Mistake:
        text = path.read_text()
        head = dict(re.findall(r"^# (mistake|caught|named): (.+)$", text, flags=re.M))
        problems = [f"'# {k}: ...'" for k in ("mistake", "caught") if k not in head]
        if problems or not text.startswith("# base: solution\n"):
            raise ValueError(f"{path}: a mistake file starts with '# base: solution' and has "
                             f"{', '.join(problems) or 'its header'}")
        where = head["caught"].split()
        if len(where) != 2 or where[0] not in ("visible", "hidden"):
            raise ValueError(f"{path}: '# caught:' takes 'visible <test cell>' or 'hidden <test cell>', "
                             f"got {head['caught']!r}")
        edits, current = [], None
        for line in text.splitlines():
            m = re.match(r"# %% (\S+)$", line)
            if m:
                current = [m.group(1), []]
                edits.append(current)
            elif current is not None:
                current[1].append(line)
        if not edits:
            raise ValueError(f"{path}: no '# %% <grade_id>' section with the mistaken answer")
        return cls(path, head["mistake"].strip(), where[0], where[1], head.get("named", "").strip(),
                   [(g, "\n".join(body).strip("\n")) for g, body in edits])


@dataclass
class Outcome:
    """What the tests made of one mistake."""

    file: str
    mistake: str
    promised: str
    caught: str  # "visible", "hidden" or "missed"
    cell: str
    message: str
    named: bool
    ok: bool


def _grade_id(cell: nbformat.NotebookNode) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def _is_test(cell: nbformat.NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def run_lab(lab: str, only: list[Path] | None = None, log=print) -> list[Outcome]:
    """Every mistake of ``lab`` (or the files in ``only``) through one kernel running the solution."""
    files = only or sorted((ROOT / "tests" / "submissions" / lab).glob("mistake_*.py"))
    mistakes = [Mistake.read(p) for p in files]
    if not mistakes:
        return []
    path = ROOT / "solutions" / lab / f"{lab}.ipynb"
    nb = nbformat.read(path, as_version=4)
    index = {_grade_id(c): i for i, c in enumerate(nb.cells) if _grade_id(c)}
    for m in mistakes:
        for gid, _ in m.edits:
            if gid not in index:
                raise ValueError(f"{m.path}: {lab} has no cell '{gid}'")
        if m.cell not in index or not _is_test(nb.cells[index[m.cell]]):
            raise ValueError(f"{m.path}: '{m.cell}' is not a test cell of {lab}")
    # the kernel (not this process: a caller's later training would think it is being graded) gets the
    # notebooks' small grading budgets and a non-interactive matplotlib
    env = {**os.environ, "NBGRADER_EXECUTION": "autograde"}
    env.setdefault("MPLBACKEND", "Agg")
    client = NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    outcomes = []
    with client.setup_kernel(env=env):
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, i)

        def run(source: str) -> str | None:
            try:
                client.execute_cell(nbformat.v4.new_code_cell(source), 0)
            except CellExecutionError as err:
                return f"{err.ename}: {err.evalue}"
            return None

        for m in mistakes:
            start = min(index[g] for g, _ in m.edits)
            failed = None
            for gid, source in m.edits:
                if (why := run(source)) is not None:
                    failed = ("answer", gid, why)
                    break
            tests = [c for c in nb.cells[start:] if _is_test(c)]
            for part in ("visible", "hidden"):
                if failed:
                    break
                for c in tests:
                    source = c.source.split(HIDDEN)[0] if part == "visible" else c.source
                    if (why := run(source)) is not None:
                        failed = (part, _grade_id(c), why)
                        break
            for gid, _ in m.edits:  # the solution back, for the next mistake
                if (why := run(nb.cells[index[gid]].source)) is not None:
                    raise RuntimeError(f"{lab}: restoring the solution of {gid} failed: {why}")
            caught, cell, message = failed or ("missed", "", "")
            named = bool(m.named) and m.named.lower() in message.lower()
            ok = caught == m.caught and cell == m.cell and (named or not m.named)
            outcomes.append(Outcome(m.path.name, m.summary, f"{m.caught} {m.cell}", caught, cell,
                                    message.splitlines()[0][:400] if message else "", named, ok))
            named_too = f", named {m.named!r}" if m.named else ""
            promised = "" if ok else f" [promised: {m.caught} {m.cell}{named_too}]"
            log(f"  {'ok  ' if ok else 'FAIL'} {m.path.name}: {m.summary} -> {caught} {cell}"
                f"{' (named)' if named else ''}{promised}")
            if not ok and message:
                log(f"       message: {message.splitlines()[0][:300]}")
    return outcomes


def summarize(outcomes: list[Outcome]) -> dict[str, int]:
    return {
        "catalogued": len(outcomes),
        "caught_visible": sum(o.caught == "visible" for o in outcomes),
        "caught_hidden": sum(o.caught == "hidden" for o in outcomes),
        "missed": sum(o.caught == "missed" for o in outcomes),
        "named": sum(o.named for o in outcomes),
        "not_as_promised": sum(not o.ok for o in outcomes),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labs", nargs="*", help="lab ids or prefixes (default: every lab with mistake files)")
    parser.add_argument("--json", type=Path, help="write the per-lab summary and every outcome here")
    args = parser.parse_args(argv)
    labs = sorted(p.name for p in (ROOT / "tests" / "submissions").iterdir() if list(p.glob("mistake_*.py")))
    if args.labs:
        wanted = [lab for lab in labs if any(lab.startswith(a) for a in args.labs)]
        if not wanted:
            print(f"mistakes: no catalogue for {args.labs}; labs with one: {', '.join(labs)}", file=sys.stderr)
            return 2
        labs = wanted
    report, status = {}, 0
    for lab in labs:
        print(lab)
        start = time.perf_counter()
        outcomes = run_lab(lab)
        summary = summarize(outcomes)
        print(f"{lab}: {summary['catalogued']} mistakes catalogued; caught by visible tests "
              f"{summary['caught_visible']}, by hidden tests {summary['caught_hidden']}, missed {summary['missed']}; "
              f"recognised by name {summary['named']}; not as promised {summary['not_as_promised']} "
              f"({time.perf_counter() - start:.0f} s)")
        report[lab] = {**summary, "outcomes": [asdict(o) for o in outcomes]}
        status = status or int(summary["not_as_promised"] > 0)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
