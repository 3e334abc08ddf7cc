"""What ``make autograde`` will grade, and every file under ``submitted/`` it will not (with the fix).

nbgrader grades ``submitted/<student>/<lab>/<notebook>.ipynb`` and nothing else; a notebook one
folder too shallow is skipped without a word, one with its download name ("fay_lab01.ipynb")
makes nbgrader stop. :func:`collect` walks ``submitted/`` before grading and sorts every file into
gradable submissions and :class:`Problem` entries, each naming the path it expected.

Lab names may be short everywhere: ``lab01`` means the one lab whose id starts with ``lab01``
(:func:`resolve_lab`).
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path


class UnknownLab(ValueError):
    """A lab name that matches no lab (or several); the message lists the labs."""


def labs_in(course: Path) -> list[str]:
    """The lab ids of a course: the folders of its source directory that hold a notebook of the same name."""
    source = course / "solutions"
    return sorted(p.name for p in source.iterdir() if (p / f"{p.name}.ipynb").exists()) if source.is_dir() else []


def resolve_lab(name: str, course: Path) -> str:
    """``lab01`` -> ``lab01_vae_building_blocks``; a full id or ``*`` is returned as is."""
    labs = labs_in(course)
    if name == "*" or name in labs:
        return name
    found = [lab for lab in labs if lab.startswith(name)] if name else []
    if len(found) == 1:
        return found[0]
    what = "matches several labs" if found else "is not a lab of this course"
    raise UnknownLab(f"LAB={name!r} {what}; the labs are: {', '.join(labs) or '(none in solutions/)'}")


@dataclass(frozen=True)
class Problem:
    """One file under submitted/ that will not be graded, and what to do about it."""

    path: str
    why: str

    def __str__(self) -> str:
        return f"NOT GRADED {self.path}: {self.why}"


@dataclass
class Collection:
    """The outcome of :func:`collect`: what will be graded, what will not, and who handed in nothing."""

    gradable: dict[str, list[str]]  # lab -> students with a well-placed, readable notebook
    problems: list[Problem]
    present: dict[str, list[str]]  # lab -> students with a folder submitted/<student>/<lab>/

    def excluded(self, lab: str) -> list[str]:
        """Students with a folder for ``lab`` but no notebook nbgrader can grade (kept out of its run)."""
        return sorted(set(self.present.get(lab, [])) - set(self.gradable.get(lab, [])))


def _guess_lab(name: str, labs: list[str]) -> str | None:
    """The lab a stray file name points to (``fay_lab01.ipynb`` -> lab01_...), if exactly one."""
    stem = name.lower()
    hits = [lab for lab in labs if lab.lower() in stem or re.search(rf"(?<![0-9]){re.escape(lab.split('_')[0])}"
                                                                     r"(?![0-9])", stem)]
    return hits[0] if len(hits) == 1 else None


def _unreadable(path: Path) -> str | None:
    try:
        nb = json.loads(path.read_text())
    except UnicodeDecodeError:
        return "it is not a text file, so not a notebook"
    except json.JSONDecodeError as err:
        return f"it is not a notebook (JSON error at line {err.lineno}); ask the student to download it again"
    if not isinstance(nb, dict) or "cells" not in nb:
        return "it is JSON but not a notebook (no 'cells'); ask the student to download it again"
    return None


def collect(course: Path, lab: str = "*") -> Collection:
    """Sort every file under ``course/submitted`` (for ``lab``, or all labs) into gradable or a problem."""
    labs = labs_in(course)
    wanted = labs if lab == "*" else [lab]
    submitted = course / "submitted"
    gradable: dict[str, list[str]] = {name: [] for name in wanted}
    present: dict[str, list[str]] = {name: [] for name in wanted}
    problems: list[Problem] = []
    if not submitted.is_dir():
        return Collection(gradable, problems, present)

    def expected(student: str, lab_id: str | None) -> str:
        lab_id = lab_id or (wanted[0] if len(wanted) == 1 else "<lab>")
        return f"submitted/{student}/{lab_id}/{lab_id}.ipynb"

    for root, dirs, files in os.walk(submitted, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints" and not d.startswith("."))
        rel_root = Path(root).relative_to(submitted)
        depth = len(rel_root.parts)
        if depth == 2 and rel_root.parts[1] in present:
            present[rel_root.parts[1]].append(rel_root.parts[0])
        for d in list(dirs):
            if (Path(root) / d).is_symlink():
                problems.append(Problem(f"submitted/{rel_root / d}", "a symbolic link; copy the folder itself"))
                dirs.remove(d)
        for name in sorted(files):
            path = Path(root) / name
            rel = f"submitted/{rel_root / name}" if depth else f"submitted/{name}"
            if name.startswith(".") or name == "timestamp.txt":
                continue
            if path.is_symlink():
                problems.append(Problem(rel, "a symbolic link; copy the file itself (links are never followed)"))
                continue
            student = rel_root.parts[0] if depth else None
            guess = _guess_lab(name, labs)
            if depth == 0:
                if name.endswith(".ipynb"):
                    problems.append(Problem(rel, "directly in submitted/, so no student is known; move it to "
                                                 f"{expected('<student>', guess)}"))
                continue
            lab_dir = rel_root.parts[1] if depth >= 2 else None
            if lab_dir is not None and lab_dir not in wanted:
                if lab_dir not in labs:
                    problems.append(Problem(rel, f"'{lab_dir}' is not a lab of this course "
                                                 f"(labs: {', '.join(labs)}); expected {expected(student, guess)}"))
                continue  # another lab's submission: graded when that lab is
            if not name.endswith(".ipynb"):
                continue  # data files beside a notebook travel with it
            if depth == 1:
                problems.append(Problem(rel, f"one folder too shallow; move it to {expected(student, guess)}"))
            elif depth > 2:
                problems.append(Problem(rel, f"{depth - 2} folder(s) too deep; move it to "
                                             f"{expected(student, lab_dir)}"))
            elif name != f"{lab_dir}.ipynb":
                problems.append(Problem(rel, f"the notebook must be named {lab_dir}.ipynb; rename it to "
                                             f"{expected(student, lab_dir)}"))
            elif (why := _unreadable(path)) is not None:
                problems.append(Problem(rel, why))
            else:
                gradable[lab_dir].append(student)
    for lab_id in gradable:
        gradable[lab_id].sort()
        present[lab_id].sort()
    return Collection(gradable, sorted(problems, key=lambda p: p.path), present)


def main(argv: list[str] | None = None) -> int:
    """``resolve LAB``: print the lab's full id; ``LAB``: list what autograde would and would not grade."""
    args = list(sys.argv[1:] if argv is None else argv)
    course = Path.cwd()
    try:
        if len(args) == 2 and args[0] == "resolve":
            print(resolve_lab(args[1], course))
            return 0
        if len(args) == 1:
            lab = resolve_lab(args[0], course)
            found = collect(course, lab)
            for problem in found.problems:
                print(problem)
            for lab_id, students in found.gradable.items():
                print(f"{lab_id}: {len(students)} submissions to grade")
            return 3 if found.problems else 0
    except UnknownLab as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print("usage: python -m course_grading.collect [resolve] LAB", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
