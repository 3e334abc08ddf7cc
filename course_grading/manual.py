"""Hand-grading without a browser: ``make manual-export LAB=...`` and ``make manual-import FILE=...``.

``export`` writes one CSV row per answer that waits for a person (written reflections, and any
test cell an instructor marked for review): the student, the question, its points, the student's
answer, and the model answer from ``solutions/`` as the rubric, with empty ``score`` and
``comment`` columns for a TA to fill in (any spreadsheet program opens it).

``import`` reads such a file back and records every filled-in score and comment in the gradebook.
It checks the whole file first: an unknown student, lab or question, a score that is not a
number, below 0 or above the question's points, a row given twice: each is reported with its row
number, and then nothing at all is written. Rows with an empty score are left waiting. The
feedback pages of the students whose marks changed are then made again (:mod:`course_grading.refresh`).
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

COLUMNS = ["student", "lab", "question", "points", "score", "comment", "answer", "rubric"]
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def _cells(path: Path) -> dict[str, str]:
    """grade_id -> source (solution markers removed) of a notebook's cells."""
    nb = json.loads(path.read_text())
    out = {}
    for cell in nb.get("cells", []):
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid:
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            out[gid] = "\n".join(ln for ln in src.splitlines() if ln.strip() not in MARKERS).strip()
    return out


def export(course: Path, lab: str, out: Path) -> int:
    """Write every answer of ``lab`` waiting for a person to ``out``; return how many."""
    rubric = _cells(course / "solutions" / lab / f"{lab}.ipynb")
    rows = []
    with Gradebook(f"sqlite:///{(course / 'gradebook.db').resolve()}") as gb:
        for submission in sorted(gb.assignment_submissions(lab), key=lambda s: s.student_id):
            for notebook in submission.notebooks:
                graded = course / "autograded" / submission.student_id / lab / f"{notebook.name}.ipynb"
                answers = _cells(graded) if graded.exists() else {}
                for grade in sorted(notebook.grades, key=lambda g: g.name):
                    if not grade.needs_manual_grade or grade.manual_score is not None:
                        continue
                    rows.append({"student": submission.student_id, "lab": lab, "question": grade.name,
                                 "points": f"{float(grade.max_score):g}", "score": "", "comment": "",
                                 "answer": answers.get(grade.name, "(not found in the autograded notebook)"),
                                 "rubric": rubric.get(grade.name, "")})
    with open(out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


@dataclass
class Mark:
    row: int
    student: str
    lab: str
    question: str
    score: float
    comment: str


def check(gb: Gradebook, path: Path) -> tuple[list[Mark], list[str], int]:
    """Read and validate the whole file: (marks to record, errors, rows left blank)."""
    marks: list[Mark] = []
    errors: list[str] = []
    blank = 0
    seen: dict[tuple[str, str, str], int] = {}
    try:
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            missing = {"student", "lab", "question", "score", "comment"} - set(reader.fieldnames or [])
            if missing:
                return [], [f"{path}: no column {', '.join(sorted(missing))}; export a file with "
                            "`make manual-export LAB=<lab>` and fill in its score and comment columns"], 0
            table = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        return [], [f"{path}: cannot read it as CSV ({err})"], 0
    for n, r in enumerate(table, start=2):  # row 1 is the header
        student, lab, question = ((r.get(k) or "").strip() for k in ("student", "lab", "question"))
        text = (r.get("score") or "").strip()
        if not text:
            blank += 1
            continue
        where = f"row {n} ({student}, {lab}, {question})"
        try:
            grade = gb.find_grade(question, lab, lab, student)
        except MissingEntry:
            try:
                gb.find_submission(lab, student)
                errors.append(f"{where}: {lab} has no question {question!r}")
            except MissingEntry:
                errors.append(f"{where}: no submission of {lab!r} by {student!r} in the gradebook")
            continue
        try:
            score = float(text)
        except ValueError:
            errors.append(f"{where}: score {text!r} is not a number")
            continue
        if not 0 <= score <= float(grade.max_score):
            errors.append(f"{where}: score {score:g} is outside 0 to {float(grade.max_score):g}")
            continue
        key = (student, lab, question)
        if key in seen:
            errors.append(f"{where}: the same answer was already scored in row {seen[key]}")
            continue
        seen[key] = n
        marks.append(Mark(n, student, lab, question, score, (r.get("comment") or "").strip()))
    return marks, errors, blank


def import_marks(course: Path, path: Path) -> int:
    """Record the marks of ``path`` in the gradebook, all or nothing. Exit status: 0 done, 1 refused."""
    if not path.exists():
        print(f"manual-import: {path} does not exist (FILE=path/to/the/filled/in.csv)", file=sys.stderr)
        return 1
    with Gradebook(f"sqlite:///{(course / 'gradebook.db').resolve()}") as gb:
        marks, errors, blank = check(gb, path)
        if errors:
            print(f"manual-import: {path} was NOT imported (nothing was recorded); fix these rows:", file=sys.stderr)
            for e in errors:
                print(f"  {e}", file=sys.stderr)
            return 1
        try:
            for m in marks:
                grade = gb.find_grade(m.question, m.lab, m.lab, m.student)
                grade.manual_score = m.score
                grade.needs_manual_grade = False
                if m.comment:
                    try:
                        gb.find_comment(m.question, m.lab, m.lab, m.student).manual_comment = m.comment
                    except MissingEntry:  # a graded cell that is not an answer cell has no comment row
                        pass
            gb.db.commit()
        except Exception:
            gb.db.rollback()
            raise
    print(f"manual-import: recorded {len(marks)} scores from {path}; {blank} rows left blank are still waiting")
    from course_grading.refresh import refresh

    status = 0
    for lab in sorted({m.lab for m in marks}):  # the feedback pages of those students show the new totals
        status = refresh(course, lab) or status
    return status


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    course = Path.cwd()
    if not (course / "gradebook.db").exists():
        print(f"manual: no gradebook.db in {course}; run `make autograde LAB=<lab>` first", file=sys.stderr)
        return 2
    if len(args) in (2, 3) and args[0] == "export":
        from course_grading.collect import UnknownLab, resolve_lab

        try:
            lab = resolve_lab(args[1], course)
        except UnknownLab as err:
            print(f"manual-export: {err}", file=sys.stderr)
            return 2
        out = Path(args[2]) if len(args) == 3 else Path(f"manual-grading-{lab}.csv")
        n = export(course, lab, out)
        print(f"manual-export: {n} answers of {lab} wait for a person; fill in the score (and comment) column "
              f"of {out}, then: make manual-import FILE={out}")
        return 0
    if len(args) == 2 and args[0] == "import":
        return import_marks(course, Path(args[1]))
    print("usage: python -m course_grading.manual export LAB [FILE] | import FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
