"""The instructor's loop through `make`, with the mistakes a tired instructor makes (issue #18).

Misplaced and misnamed notebooks are named with the path they should have (and the run says so
in its exit status); a resubmission is graded again and an unchanged submission is not; short lab
names work; an untouched release grades without a single warning line.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import grading_course as gs
import pytest

LAB = "lab01_vae_building_blocks"
OTHER = "lab06_anomaly_detection"


def grades(course: Path) -> dict[tuple[str, str], dict[str, str]]:
    gs.make("grades", f"COURSE_DIR={course}")
    with open(course / "grades.csv", newline="") as fh:
        return {(r["student"], r["lab"]): r for r in csv.DictReader(fh)}


def write_sheet(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.slow
def test_collect_regrade_and_quiet_output_through_make(tmp_path):
    course = gs.Course.create(tmp_path, LAB)
    ana = course.submit("solution")
    ana.parent.parent.rename(tmp_path / "submitted" / "ana")  # submitted/ana/<lab>/<lab>.ipynb
    blank = course.submit("blank")  # the release, untouched: it must grade without a warning
    shallow = tmp_path / "submitted" / "dan" / f"{LAB}.ipynb"  # one folder too shallow
    shallow.parent.mkdir(parents=True)
    shutil.copy(blank, shallow)
    downloads = tmp_path / "submitted" / "fay" / LAB / "fay_lab01.ipynb"  # the Downloads name
    downloads.parent.mkdir(parents=True)
    shutil.copy(blank, downloads)
    before = gs.tree_digest(tmp_path / "submitted")

    def autograde(*extra: str) -> gs.subprocess.CompletedProcess:
        return gs.make("autograde", f"COURSE_DIR={tmp_path}", "LAB=lab01", "JOBS=2",
                       "AUTOGRADE_ARGS=" + " ".join(extra), check=False)

    first = autograde()
    assert first.returncode != 0 and "Error 3" in first.stderr, first.stdout + first.stderr  # graded the rest
    out = first.stdout
    assert f"NOT GRADED submitted/dan/{LAB}.ipynb: one folder too shallow; move it to submitted/dan/{LAB}/{LAB}.ipynb" \
        in out, out
    assert f"NOT GRADED submitted/fay/{LAB}/fay_lab01.ipynb: the notebook must be named {LAB}.ipynb" in out, out
    assert f"autograde {LAB}: 2 graded, 0 regraded, 0 unchanged (skipped), 2 files not gradable" in out, out
    assert "integrity scan:" in out, "the integrity scan must run even when some files were not gradable"
    assert "WARNING" not in first.stderr and "checksum" not in first.stderr, first.stderr
    assert "Warning" not in first.stderr, first.stderr  # no library warnings either
    scores = course.scores()
    assert set(scores) == {"ana", "blank"}, "a student with nothing gradable must not get a row of zeros"
    full = sum(mx for _, mx in scores["ana"].values() if _ is not None)
    assert sum(a or 0 for a, _ in scores["ana"].values()) == full > 0
    assert gs.tree_digest(tmp_path / "submitted") == before, "grading never edits a submission"

    # grades.csv tells apart not submitted, waiting for a person, and graded
    shutil.copytree(gs.ROOT / "solutions" / OTHER, tmp_path / "solutions" / OTHER)
    gs.nbgrader("generate_assignment", OTHER, "--force", cwd=tmp_path)  # a second lab nobody handed in yet
    rows = grades(tmp_path)
    reflection = scores["ana"]["reflection"][1]
    assert rows[("ana", LAB)]["status"] == f"waiting for hand-grading ({reflection:g} points)", rows
    assert float(rows[("ana", LAB)]["auto"]) == full and float(rows[("ana", LAB)]["pending"]) == reflection
    assert float(rows[("ana", LAB)]["max"]) == full + reflection
    assert rows[("blank", LAB)]["status"] == "graded" and float(rows[("blank", LAB)]["total"]) == 0
    assert rows[("ana", OTHER)]["status"] == "not submitted"
    assert (tmp_path / "grades.csv").exists() and "grades.csv" in (gs.ROOT / ".gitignore").read_text()

    # autograde made the feedback: it names each question and shows the reflection as waiting for a
    # person, not as 0 points
    assert f"feedback: 2 of 2 feedback pages of {LAB} made again" in out, out
    page_path = tmp_path / "feedback" / "ana" / LAB / f"{LAB}.html"
    page = page_path.read_text()
    assert f'<a href="#reflection">reflection: your written answer</a> (<span class="pending">waiting for ' \
           f"hand-grading ({reflection:g} points)" in page
    assert '<a href="#encoder_test">encoder: tests</a> (Score: 2 / 2)' in page and ">Test cell<" not in page
    assert f"{reflection:g} points still wait for hand-grading" in page and "pre-wrap" in page
    assert "<math" in page and "\\mathcal" not in page, "math is MathML (offline), not LaTeX left for MathJax"

    # hand-grading without a browser: export, a refused import (nothing recorded), a good import
    export = gs.make("manual-export", f"COURSE_DIR={tmp_path}", "LAB=lab01")
    sheet = tmp_path / f"manual-grading-{LAB}.csv"
    assert f"1 answers of {LAB} wait for a person" in export.stdout, export.stdout
    with open(sheet, newline="") as fh:
        todo = list(csv.DictReader(fh))
    assert [(r["student"], r["question"], r["points"]) for r in todo] == [("ana", "reflection", f"{reflection:g}")]
    assert todo[0]["answer"] and "KL" in todo[0]["rubric"], todo[0]
    bad = tmp_path / "bad.csv"
    write_sheet(bad, [{**todo[0], "score": str(reflection + 1)}, {**todo[0], "student": "zed", "score": "1"},
                      {**todo[0], "question": "nope", "score": "1"}, {**todo[0], "score": "two"}])
    db_before = (tmp_path / "gradebook.db").read_bytes()
    refused = gs.make("manual-import", f"COURSE_DIR={tmp_path}", f"FILE={bad}", check=False)
    assert refused.returncode != 0 and "NOT imported (nothing was recorded)" in refused.stderr, refused.stderr
    for what in (f"row 2 (ana, {LAB}, reflection): score {reflection + 1:g} is outside 0 to {reflection:g}",
                 f"row 3 (zed, {LAB}, reflection): no submission of '{LAB}' by 'zed'",
                 f"row 4 (ana, {LAB}, nope): {LAB} has no question 'nope'",
                 f"row 5 (ana, {LAB}, reflection): score 'two' is not a number"):
        assert what in refused.stderr, refused.stderr
    assert (tmp_path / "gradebook.db").read_bytes() == db_before
    write_sheet(sheet, [{**todo[0], "score": f"{reflection:g}", "comment": "Clear and complete."}])
    done = gs.make("manual-import", f"COURSE_DIR={tmp_path}", f"FILE={sheet}")
    assert "recorded 1 scores" in done.stdout
    rows = grades(tmp_path)
    assert rows[("ana", LAB)]["status"] == "graded" and float(rows[("ana", LAB)]["total"]) == full + reflection

    # the import made ana's feedback again: it shows the new total and the comment (never stale)
    assert f"feedback: 1 of 2 feedback pages of {LAB} made again" in done.stdout, done.stdout
    page = page_path.read_text()
    total = full + reflection
    assert f"{total:g} / {total:g}" in page.replace(".0 ", " ").replace(".0<", "<") and "Clear and complete." in page
    # nothing changed since: make feedback leaves every page alone
    stamp = page_path.stat().st_mtime_ns
    again = gs.make("feedback", f"COURSE_DIR={tmp_path}", "LAB=lab01")
    assert f"feedback: all 2 feedback pages of {LAB} are current" in again.stdout, again.stdout
    assert page_path.stat().st_mtime_ns == stamp
    # a mark given in the Formgrader (it writes the gradebook directly): make feedback remakes that page only
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gb:
        gb.find_grade("reflection", LAB, LAB, "ana").manual_score = reflection - 1
        gb.db.commit()
    again = gs.make("feedback", f"COURSE_DIR={tmp_path}", "LAB=lab01")
    assert f"feedback: 1 of 2 feedback pages of {LAB} made again" in again.stdout, again.stdout
    assert f"{total - 1:g} / {total:g}" in page_path.read_text().replace(".0 ", " ").replace(".0<", "<")

    # fay hands in again, with the right name; ana resubmits a blank notebook: both are graded (again)
    downloads.rename(downloads.with_name(f"{LAB}.ipynb"))
    shutil.copy(blank, tmp_path / "submitted" / "ana" / LAB / f"{LAB}.ipynb")
    shallow.unlink()
    second = autograde()
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"autograde {LAB}: 1 graded, 1 regraded, 1 unchanged (skipped)" in second.stdout, second.stdout
    assert "ana/" + LAB + ": the submission changed since it was graded" in second.stderr
    assert f"feedback: 2 of 3 feedback pages of {LAB} made again" in second.stdout, second.stdout
    assert "Score: 0" in page_path.read_text(), "ana's page must show the resubmission's grade"
    scores = course.scores()
    assert sum(a or 0 for a, _ in scores["ana"].values()) == 0, "the stale grade must be replaced"
    assert set(scores) == {"ana", "blank", "fay"}
    # a hand-graded mark belongs to the answer it was given for: it goes with the old answer
    assert "1 hand-graded marks were given to the previous version; they are cleared" in second.stderr
    rows = grades(tmp_path)
    assert rows[("ana", LAB)]["status"] == "graded" and float(rows[("ana", LAB)]["total"]) == 0, rows[("ana", LAB)]

    third = autograde()
    assert f"autograde {LAB}: 0 graded, 0 regraded, 3 unchanged (skipped)" in third.stdout, third.stdout
    assert f"feedback: all 3 feedback pages of {LAB} are current" in third.stdout, third.stdout

    # a course graded before digests were recorded: untouched submissions are adopted, not regraded ...
    record = tmp_path / "autograded" / "blank" / LAB / ".submission-sha256"
    record.unlink()
    adopted = autograde()
    assert f"autograde {LAB}: 0 graded, 0 regraded, 3 unchanged (skipped)" in adopted.stdout, adopted.stdout
    assert record.exists()
    # ... and one with a file newer than its grading is regraded, keeping (and flagging) any hand-grading
    record.unlink()
    os.utime(tmp_path / "submitted" / "blank" / LAB / f"{LAB}.ipynb")
    legacy = autograde()
    assert f"autograde {LAB}: 0 graded, 1 regraded, 2 unchanged (skipped)" in legacy.stdout, legacy.stdout
    assert "graded before this course recorded what it graded; any hand-graded marks are kept" in legacy.stderr
    forced = autograde("--force")
    assert f"autograde {LAB}: 0 graded, 3 regraded, 0 unchanged (skipped)" in forced.stdout, forced.stdout


def test_an_unknown_lab_name_lists_the_labs(tmp_path):
    gs.Course.create(tmp_path, LAB)
    run = gs.make("autograde", f"COURSE_DIR={tmp_path}", "LAB=lab1", check=False)
    assert run.returncode != 0
    assert "LAB='lab1' is not a lab of this course; the labs are: lab01_vae_building_blocks" in run.stderr, run.stderr
