"""Feedback that is never stale: ``python -m course_grading.refresh LAB [--all]``.

Every feedback page records what it was made from: a digest of the student's grades in the
gradebook (automatic and hand-given scores, extra credit, comments) and of the graded notebook,
in ``feedback/<student>/<lab>/.grades-sha256``. A page whose record differs from the gradebook
now (regraded, hand-graded through ``make manual-import`` or the Formgrader) or that is missing is
made again by ``nbgrader generate_feedback``, and only those: the rest are left as they are.

``make autograde``, ``make manual-import`` and ``make feedback`` all end with this step, so an
instructor never returns a page that disagrees with grades.csv. Exit status: 0 when every graded
submission has current feedback, 1 when some could not be made (named on stderr).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

RECORD = ".grades-sha256"


def grades_digest(gb: Gradebook, course: Path, lab: str, student: str) -> str:
    """What a feedback page of ``student`` for ``lab`` is made from, as one digest."""
    h = hashlib.sha256()
    submission = gb.find_submission(lab, student)
    for nb in sorted(submission.notebooks, key=lambda n: n.name):
        for g in sorted(nb.grades, key=lambda g: g.name):
            h.update(repr(("grade", nb.name, g.name, g.auto_score, g.manual_score, g.extra_credit,
                           g.needs_manual_grade)).encode())
        for c in sorted(nb.comments, key=lambda c: c.name):
            h.update(repr(("comment", nb.name, c.name, c.auto_comment, c.manual_comment)).encode())
        graded = course / "autograded" / student / lab / f"{nb.name}.ipynb"
        h.update(graded.read_bytes() if graded.exists() else b"(not graded)")
    return h.hexdigest()


def record_path(course: Path, lab: str, student: str) -> Path:
    return course / "feedback" / student / lab / RECORD


def feedback_state(course: Path, lab: str) -> tuple[dict[str, str], list[str]]:
    """(student -> current digest for every graded submission of ``lab``, the students whose page is stale)."""
    current: dict[str, str] = {}
    with Gradebook(f"sqlite:///{(course / 'gradebook.db').resolve()}") as gb:
        try:
            submissions = gb.assignment_submissions(lab)
        except MissingEntry:
            return {}, []
        for sub in submissions:
            if not (course / "autograded" / sub.student_id / lab).is_dir():
                continue  # recorded but never graded (nothing gradable): no page to make
            current[sub.student_id] = grades_digest(gb, course, lab, sub.student_id)
    stale = []
    for student, digest in sorted(current.items()):
        record = record_path(course, lab, student)
        pages = list(record.parent.glob("*.html"))
        if not pages or not record.exists() or record.read_text().strip() != digest:
            stale.append(student)
    return current, stale


def refresh(course: Path, lab: str, everything: bool = False, extra: list[str] | None = None) -> int:
    """Make the feedback of ``lab`` current; returns the exit status (see the module's docstring)."""
    current, stale = feedback_state(course, lab)
    todo = sorted(current) if everything else stale
    if not current:
        print(f"feedback: no graded submissions of {lab} yet (make autograde LAB={lab} first)")
        return 0
    if not todo:
        print(f"feedback: all {len(current)} feedback pages of {lab} are current")
        return 0
    skip = sorted(set(current) - set(todo))
    cmd = [sys.executable, "-m", "nbgrader", "generate_feedback", lab, "--force", "--log-level=ERROR", *(extra or [])]
    if skip:  # only the stale ones; nbgrader takes the ones to leave out as one comma-separated list
        cmd.append("--CourseDirectory.student_id_exclude=" + ",".join(skip))
    out = subprocess.run(cmd, cwd=course, capture_output=True, text=True)
    missing = []
    for student in todo:
        record = record_path(course, lab, student)
        if out.returncode == 0 and record.parent.is_dir() and list(record.parent.glob("*.html")):
            record.write_text(current[student] + "\n")
        else:
            missing.append(student)
    if missing:
        sys.stderr.write(out.stdout[-3000:] + out.stderr[-3000:])
        print(f"feedback: could NOT make the feedback of {lab} for {', '.join(missing)} (nbgrader's messages "
              "above); their old pages, if any, are out of date. Fix the cause and run "
              f"make feedback LAB={lab}", file=sys.stderr)
        return 1
    print(f"feedback: {len(todo)} of {len(current)} feedback pages of {lab} made again "
          f"({'all, as asked' if everything else 'their grades changed'}); in feedback/<student>/{lab}/")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    everything = "--all" in args
    args = [a for a in args if a != "--all"]
    if not args:
        print("usage: python -m course_grading.refresh LAB [--all] [nbgrader options]", file=sys.stderr)
        return 2
    course = Path(os.getcwd())
    if not (course / "gradebook.db").exists():
        print(f"feedback: no gradebook.db in {course}; run `make autograde LAB=<lab>` first", file=sys.stderr)
        return 2
    from course_grading.collect import UnknownLab, resolve_lab

    try:
        lab = resolve_lab(args[0], course)
    except UnknownLab as err:
        print(f"feedback: {err}", file=sys.stderr)
        return 2
    return refresh(course, lab, everything, args[1:])


if __name__ == "__main__":
    raise SystemExit(main())
