"""Self-study check: run a lab notebook's visible tests and report question by question.

    python -m course_grading.selfcheck labs/lab02_smiles_vae/lab02_smiles_vae.ipynb
    make check LAB=lab02

The notebook is copied to a temporary folder and executed there in a fresh kernel (with
``NBGRADER_EXECUTION=validate``, so training cells use their short grading budgets); your file
is never changed. Each graded test cell is reported as passed, failed (with the test's own
message, which says what was expected) or not answered (its answer cell still raises
``NotImplementedError``). Hidden tests run only when an instructor grades: passing every visible
test is necessary, not sufficient. Exit status 0 when every visible test passes, 1 otherwise.

``make check LAB=lab02 HIDDEN=1`` (``--hidden``) also runs the hidden tests: each test cell is
replaced by its full version from ``solutions/<lab>/<lab>.ipynb`` (self-learners have it; a class
copy of the course does not, and then the check says so).

``SANDBOX=1 make check ...`` runs the kernel in the grading sandbox (``course_grading.sandbox``),
as the instructor's autograder will: no network, no files outside the notebook's own folder.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Question:
    """One graded cell of a notebook and what happened to it."""

    grade_id: str
    points: float
    status: str  # "pass", "fail", "not answered", "not run", or "hand-graded"
    message: str = ""


def _meta(cell: nbformat.NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def find_notebook(lab: str) -> Path:
    """``lab`` is a notebook path, a lab folder, or a name prefix such as ``lab02`` (searched in labs/)."""
    path = Path(lab)
    if path.is_file():
        return path
    if path.is_dir():
        found = sorted(path.glob("*.ipynb"))
    else:
        found = sorted((ROOT / "labs").glob(f"{lab}*/*.ipynb"))
    found = [p for p in found if ".ipynb_checkpoints" not in p.parts]
    if len(found) != 1:
        names = sorted(p.name for p in (ROOT / "labs").iterdir() if p.is_dir())
        raise SystemExit(f"expected one notebook for {lab!r}, found {len(found)}; labs are: {', '.join(names)}")
    return found[0]


def _error_message(cell: nbformat.NotebookNode) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            text = f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()
            return text if len(text) < 600 else text[:600] + " ..."
    return None


def lab_of(nb: nbformat.NotebookNode, notebook: Path) -> str:
    """The lab a notebook belongs to: its file name, or else the lab whose graded cells it has (a renamed copy)."""
    if (ROOT / "solutions" / notebook.stem).is_dir():
        return notebook.stem
    ids = {_meta(c).get("grade_id") for c in nb.cells if _meta(c).get("grade")}
    for source in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        theirs = {_meta(c).get("grade_id") for c in nbformat.read(source, as_version=4).cells if _meta(c).get("grade")}
        if ids and ids == theirs:
            return source.stem
    return notebook.stem


def with_hidden_tests(nb: nbformat.NotebookNode, lab: str) -> int:
    """Put the full test cells (hidden tests included) of ``solutions/<lab>`` into ``nb``; returns how many."""
    source = ROOT / "solutions" / lab / f"{lab}.ipynb"
    if not source.exists():
        raise SystemExit(f"HIDDEN=1 needs the instructor's notebook {source.relative_to(ROOT)}, which this copy of "
                         "the course does not have (a class copy ships labs/ only); run without HIDDEN=1")
    full = {_meta(c).get("grade_id"): c.source for c in nbformat.read(source, as_version=4).cells
            if _meta(c).get("grade") and not _meta(c).get("solution") and c.cell_type == "code"}
    replaced = 0
    for cell in nb.cells:
        gid = _meta(cell).get("grade_id")
        if gid in full and cell.cell_type == "code" and not _meta(cell).get("solution"):
            cell.source = full[gid]
            replaced += 1
    return replaced


def check(notebook: Path, timeout: int = 300, hidden: bool = False) -> list[Question]:
    """Execute a copy of ``notebook`` and classify every graded cell (see the module docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / notebook.name
        shutil.copy(notebook, work)
        nb = nbformat.read(work, as_version=4)
        if hidden:
            with_hidden_tests(nb, lab_of(nb, notebook))
        saved = os.environ.get("NBGRADER_EXECUTION")
        os.environ["NBGRADER_EXECUTION"] = "validate"
        try:
            extra = {}
            if os.environ.get("SANDBOX", "").strip() == "1":  # asked for: run as the autograder would
                from course_grading.sandbox import Sandbox, SandboxKernelManager

                print(Sandbox().check(), flush=True)
                extra["kernel_manager_class"] = SandboxKernelManager
            client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                                    resources={"metadata": {"path": tmp}}, **extra)
            client.execute()
        finally:
            if saved is None:
                os.environ.pop("NBGRADER_EXECUTION", None)
            else:
                os.environ["NBGRADER_EXECUTION"] = saved
    questions: list[Question] = []
    unanswered = False
    setup_failed = None
    for cell in nb.cells:
        meta = _meta(cell)
        if meta.get("solution") and cell.cell_type == "code":
            unanswered = "NotImplementedError" in (_error_message(cell) or "")
        if meta.get("locked") and not meta.get("grade") and cell.cell_type == "code" and _error_message(cell):
            setup_failed = setup_failed or f"locked cell {meta.get('grade_id')} failed: {_error_message(cell)}"
        if not meta.get("grade"):
            continue
        points = float(meta.get("points", 0))
        if cell.cell_type == "markdown":
            questions.append(Question(meta.get("grade_id", "?"), points, "hand-graded",
                                      "graded by your instructor; compare with the solution after you have tried"))
            continue
        error = _error_message(cell)
        if "execution_count" in cell and cell.get("execution_count") is None and not cell.get("outputs"):
            status, message = "not run", setup_failed or "the notebook stopped before this cell"
        elif error is None:
            status, message = "pass", ""
        elif unanswered or "NotImplementedError" in error:
            status, message = "not answered", "the answer cell above still raises NotImplementedError"
        else:
            status, message = "fail", error
        questions.append(Question(meta.get("grade_id", "?"), points, status, message))
    return questions


def report(notebook: Path, questions: list[Question], hidden: bool = False) -> str:
    """A plain-text, per-question report."""
    tested = [q for q in questions if q.status != "hand-graded"]
    passed = [q for q in tested if q.status == "pass"]
    which = "visible and hidden tests" if hidden else "visible tests"
    lines = [f"{notebook.name}: {len(passed)} of {len(tested)} tested questions pass the {which} "
             f"({sum(q.points for q in passed):g} of {sum(q.points for q in tested):g} points)"]
    for q in questions:
        tag = {"pass": "PASS", "fail": "FAIL", "not answered": "TODO", "not run": "SKIP",
               "hand-graded": "HAND"}[q.status]
        line = f"  {tag:4}  {q.grade_id} ({q.points:g} pt{'s' if q.points != 1 else ''})"
        if q.message:
            line += f": {q.message}"
        lines.append(line)
    if hidden:
        lines.append("Hidden tests included: this is what the autograder runs (hand-graded answers aside).")
    else:
        lines.append("Hidden tests run when your instructor grades: passing the visible ones is necessary, not "
                     "sufficient. Self-learners: make check LAB=... HIDDEN=1 runs them too.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lab", help="a notebook path, a lab folder, or a lab name prefix such as lab02")
    parser.add_argument("--timeout", type=int, default=300, help="seconds allowed per cell")
    parser.add_argument("--hidden", action="store_true", help="also run the hidden tests (needs solutions/)")
    args = parser.parse_args(argv)
    notebook = find_notebook(args.lab)
    print(f"checking {notebook} (a copy runs in a fresh kernel; your file is not changed) ...", flush=True)
    questions = check(notebook, timeout=args.timeout, hidden=args.hidden)
    print(report(notebook, questions, hidden=args.hidden))
    return 0 if all(q.status in ("pass", "hand-graded") for q in questions) else 1


if __name__ == "__main__":
    sys.exit(main())
