"""A throw-away nbgrader course in a temporary folder, driven by the real `make` targets and nbgrader.

Used by tests/test_grading_pipeline.py and scripts/bench.py. Prepared submissions live in
tests/submissions/ (see its README for the file format).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "tests" / "submissions"
BIN = Path(sys.executable).parent
LABS = sorted(p.name for p in (ROOT / "solutions").iterdir() if (p / f"{p.name}.ipynb").exists())
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def nbgrader(*args: str, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` with this environment's bin/ first on PATH (nbgrader calls jupyter)."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("NBGRADER_EXECUTION", None)
    out = subprocess.run([str(BIN / "nbgrader"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                         timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out


def make(target: str, *args: str, env: dict[str, str] | None = None, timeout: float = 1800,
         check: bool = True) -> subprocess.CompletedProcess:
    """Run ``make TARGET ARGS`` in the repository, as an instructor would (the real Makefile targets)."""
    run_env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **(env or {})}
    run_env.pop("NBGRADER_EXECUTION", None)
    run_env.pop("MAKEFLAGS", None)
    out = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), target, *args], env=run_env,
                         capture_output=True, text=True, timeout=timeout)
    if check and out.returncode != 0:
        raise RuntimeError(f"make {target} {' '.join(args)} failed ({out.returncode}):\n"
                           f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out


def grade_id(cell: nbformat.NotebookNode) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def strip_markers(source: str) -> str:
    return "\n".join(ln for ln in source.splitlines() if ln.strip() not in MARKERS)


def solution_answers(lab: str) -> dict[str, str]:
    """grade_id -> answer source (markers removed) for every answer cell of the solution notebook."""
    nb = nbformat.read(ROOT / "solutions" / lab / f"{lab}.ipynb", as_version=4)
    return {grade_id(c): strip_markers(c.source) for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("solution")}


def parse_submission(path: Path) -> tuple[str, list[tuple[str, str, str]]]:
    """Read a prepared submission: (base, [(grade_id, action, payload)])."""
    lines = path.read_text().splitlines()
    base_match = re.match(r"# base: (solution|release)$", lines[0])
    if not base_match:
        raise ValueError(f"{path}: first line must be '# base: solution' or '# base: release'")
    edits: list[tuple[str, str, list[str]]] = []
    for line in lines[1:]:
        header = re.match(r"# %% (\S+)(?: (delete|append|points=\d+))?$", line)
        if header:
            edits.append((header.group(1), header.group(2) or "source", []))
        elif edits:
            edits[-1][2].append(line)
    return base_match.group(1), [(g, a, "\n".join(body).strip("\n")) for g, a, body in edits]


def build_submission(lab: str, release: nbformat.NotebookNode, student: str) -> nbformat.NotebookNode:
    """The notebook a fake student hands in: 'solution', 'blank', or a file in tests/submissions/<lab>/."""
    nb = copy.deepcopy(release)
    if student == "blank":
        return nb
    if student == "solution":
        base, edits = "solution", []
    else:
        base, edits = parse_submission(SUBMISSIONS / lab / f"{student}.py")
    if base == "solution":
        answers = solution_answers(lab)
        for cell in nb.cells:
            if grade_id(cell) in answers:
                cell.source = answers[grade_id(cell)]
    for gid, action, payload in edits:
        matches = [c for c in nb.cells if grade_id(c) == gid]
        if len(matches) != 1:
            raise ValueError(f"{lab}/{student}: no single cell with grade_id {gid!r}")
        if action == "delete":
            nb.cells.remove(matches[0])
        elif action == "append":
            matches[0].source = matches[0].source.rstrip("\n") + "\n" + payload
        elif action.startswith("points="):
            matches[0].metadata.nbgrader["points"] = int(action.split("=")[1])
        else:
            matches[0].source = payload
    return nb


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@dataclass
class Course:
    """A temporary nbgrader course holding one lab."""

    root: Path
    lab: str

    @classmethod
    def create(cls, root: Path, lab: str) -> Course:
        shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
        shutil.copytree(ROOT / "solutions" / lab, root / "solutions" / lab)
        nbgrader("generate_assignment", lab, "--force", cwd=root)  # with the gradebook database
        return cls(root, lab)

    @property
    def release(self) -> nbformat.NotebookNode:
        return nbformat.read(self.root / "labs" / self.lab / f"{self.lab}.ipynb", as_version=4)

    def submit(self, student: str) -> Path:
        nb = build_submission(self.lab, self.release, student)
        path = self.root / "submitted" / student / self.lab / f"{self.lab}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, path)
        return path

    def autograde(self, *extra: str, jobs: int = 1, env: dict[str, str] | None = None,
                  check: bool = True) -> float:
        """``make autograde`` on this course (every submission again: ``--force``); returns seconds."""
        start = time.perf_counter()
        self.last = make("autograde", f"COURSE_DIR={self.root}", f"LAB={self.lab}", f"JOBS={jobs}",
                         "AUTOGRADE_ARGS=" + " ".join(["--force", *extra]), env=env, check=check)
        return time.perf_counter() - start

    def feedback(self) -> None:
        make("feedback", f"COURSE_DIR={self.root}", f"LAB={self.lab}")

    def export_csv(self) -> list[dict[str, str]]:
        nbgrader("export", "--to", "grades.csv", cwd=self.root)
        with open(self.root / "grades.csv", newline="") as fh:
            return list(csv.DictReader(fh))

    def scores(self) -> dict[str, dict[str, tuple[float | None, float]]]:
        """student -> grade_id -> (automatic score, max score), read from the gradebook."""
        from nbgrader.api import Gradebook

        out: dict[str, dict[str, tuple[float | None, float]]] = {}
        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gb:
            for sub in gb.assignment_submissions(self.lab):
                nb = gb.find_submission_notebook(self.lab, self.lab, sub.student_id)
                out[sub.student_id] = {g.name: (g.auto_score, g.max_score) for g in nb.grades}
        return out
