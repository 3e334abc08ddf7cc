"""The grades export that says what each number is: ``make grades`` (``python -m course_grading.grades``).

nbgrader's own CSV gives a hand-graded answer nobody has marked yet 0 points, and a lab a student
never handed in 0 points too, so "missing", "waiting for a person" and "zero" look the same. Here
there is one row per student and lab with a ``status``:

- ``not submitted``: the gradebook has no submission of this lab from this student;
- ``waiting for hand-grading``: autograded, but ``pending`` points still need a person
  (``make manual-export`` / the Formgrader);
- ``graded``: every point is assigned.

and the points split into ``auto`` (tests), ``manual`` (a person's marks, including a person's
override of a test), ``pending`` and ``total`` out of ``max``. The file is written to the course
folder (``grades.csv`` by default), which git ignores: student grades never travel with a commit.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

COLUMNS = ["student", "lab", "status", "auto", "manual", "pending", "total", "max"]


@dataclass
class Row:
    student: str
    lab: str
    status: str
    auto: float
    manual: float
    pending: float
    total: float
    max: float


def rows(db_url: str) -> list[Row]:
    """One :class:`Row` per student and lab of the gradebook, sorted by student then lab."""
    out: list[Row] = []
    with Gradebook(db_url) as gb:
        labs = sorted(gb.assignments, key=lambda a: a.name)
        for student in sorted(gb.students, key=lambda s: s.id):
            for lab in labs:
                maximum = float(lab.max_score)
                try:
                    submission = gb.find_submission(lab.name, student.id)
                except MissingEntry:
                    out.append(Row(student.id, lab.name, "not submitted", 0.0, 0.0, 0.0, 0.0, maximum))
                    continue
                auto = manual = pending = 0.0
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        if grade.manual_score is not None:
                            manual += grade.manual_score + (grade.extra_credit or 0.0)
                        elif grade.needs_manual_grade:
                            pending += float(grade.max_score)
                        elif grade.auto_score is not None:
                            auto += grade.auto_score + (grade.extra_credit or 0.0)
                status = f"waiting for hand-grading ({pending:g} points)" if pending else "graded"
                out.append(Row(student.id, lab.name, status, auto, manual, pending, auto + manual, maximum))
    return out


def write_csv(path: Path, table: list[Row]) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        for row in table:
            writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in asdict(row).items()})


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0]) if args else Path("grades.csv")
    db = Path("gradebook.db")
    if not db.exists():
        print(f"grades: no gradebook.db in {Path.cwd()}; run `make autograde LAB=<lab>` first", file=sys.stderr)
        return 2
    table = rows(f"sqlite:///{db.resolve()}")
    write_csv(out, table)
    counts: dict[str, int] = {}
    for row in table:
        key = "waiting for hand-grading" if row.status.startswith("waiting") else row.status
        counts[key] = counts.get(key, 0) + 1
    print(f"grades: wrote {out} ({len(table)} rows: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
