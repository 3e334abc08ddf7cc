"""Parallel, sandboxed autograding: ``python -m course_grading.autograde LAB --jobs N`` (``make autograde``).

nbgrader stays the engine; this is its ``autograde`` command with one change in how the work is
scheduled. nbgrader grades one submission after another, and most of that time is a kernel
running the notebook. Here the same work runs in three passes:

1. **prepare** (one process, in order): nbgrader's own first half of autograding for each
   submission: copy it to ``autograded/``, record the student and submission in the gradebook,
   and sanitize the notebook (clear outputs, restore locked and test cells from the gradebook).
2. **execute** (``--jobs`` at once): each sanitized notebook runs in its own process and its own
   sandbox (:mod:`course_grading.execute`). These processes never open the gradebook.
3. **grade** (one process, in order): nbgrader's full autograding again, whose executor finds the
   result of pass 2 for the identical notebook and takes it; nbgrader then scores the cells and
   writes the gradebook. A notebook pass 2 did not run (its job failed) is executed here instead.

So every gradebook write is made by this one process, one submission at a time, exactly as
``nbgrader autograde`` makes it, and the grades do not depend on ``--jobs``: every kernel runs the
same sandbox with the same fixed number of threads (``c.Sandbox.threads``).

Around that, what an instructor needs to trust the run:

- the lab may be named by its prefix (``lab01``);
- before grading, every file under ``submitted/`` that cannot be graded is listed with the path it
  should have (:mod:`course_grading.collect`); the rest is graded and the command then exits 3;
- a submission already graded is graded again only when its files changed since (a
  resubmission), or with ``--force``; an unchanged one is skipped and counted;
- one summary at the end: graded, regraded, unchanged, not gradable, failed.

Every nbgrader option works as with ``nbgrader autograde`` (``--force``, ``--student``,
``--Execute.timeout=...``, ``--Sandbox.time_limit=...``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.autogradeapp import AutogradeApp
from nbgrader.apps.autogradeapp import aliases as nbgrader_aliases
from nbgrader.converters import Autograde, BaseConverter, NbGraderException
from nbgrader.utils import rmtree
from traitlets import Integer

from course_grading import collect, execute, integrity, sandbox

SOURCE_DIGEST = ".submission-sha256"  # beside each autograded notebook: what it was graded from


def folder_digest(folder: str) -> str:
    """sha256 over the relative paths and bytes of every file in ``folder`` (checkpoints ignored)."""
    h = hashlib.sha256()
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != ".ipynb_checkpoints")
        for name in sorted(files):
            path = os.path.join(root, name)
            h.update(os.path.relpath(path, folder).encode() + b"\0")
            with open(path, "rb") as fh:
                h.update(hashlib.sha256(fh.read()).digest())
    return h.hexdigest()


class ParallelAutograde(Autograde):
    """nbgrader's Autograde converter, in three passes (module docstring)."""

    jobs = Integer(0, help="submissions executed at once (0: one per CPU core)").tag(config=True)

    def start(self) -> None:
        self._phase = "all"
        self.counts = {"new": 0, "regraded": 0, "unchanged": 0}
        super().start()

    def convert_notebooks(self) -> None:
        self._phase, self._jobs, self._prepared = "prepare", [], set()
        prepare_failed = None
        try:
            super().convert_notebooks()
        except NbGraderException as err:  # those submissions fail again, with their message, in pass 3
            prepare_failed = err
        results = self._execute_all()
        execute.PRECOMPUTED.update(results)
        self._phase = "grade"
        try:
            super().convert_notebooks()
        finally:
            self._phase = "all"
            if execute.PRECOMPUTED:
                self.log.warning("%d executed notebooks were not used (a submission changed while grading?); "
                                 "those were executed again: %s", len(execute.PRECOMPUTED),
                                 ", ".join(sorted(p for p, _ in execute.PRECOMPUTED)))
            execute.PRECOMPUTED.clear()
            execute.EXECUTED_FROM.clear()
        if prepare_failed is not None:
            raise prepare_failed

    def init_destination(self, assignment_id: str, student_id: str) -> bool:
        dest = os.path.normpath(self._format_dest(assignment_id, student_id))
        if self._phase == "grade":
            if (assignment_id, student_id) not in self._prepared:
                return False
            if os.path.exists(dest):
                rmtree(dest)
            # nbconvert's writer makes its folder only when its build_directory *changes*; with one student,
            # pass 3 sets the same folder as pass 1 did, so it must exist already
            os.makedirs(dest)
            return True
        excluded = self.coursedir.student_id_exclude.split(",") if self.coursedir.student_id_exclude else []
        if student_id in excluded:
            return False
        if not os.path.exists(dest):
            self.counts["new"] += 1
            return True
        recorded = os.path.join(dest, SOURCE_DIGEST)
        source = os.path.normpath(self._format_source(assignment_id, student_id))
        if os.path.exists(recorded):
            changed = open(recorded).read().strip() != folder_digest(source)
            known = True
        else:  # graded before digests were recorded: only a file newer than the grading counts as a change
            graded_at = max((os.path.getmtime(os.path.join(r, f)) for r, _, fs in os.walk(dest) for f in fs),
                            default=0.0)
            changed = any(os.path.getmtime(os.path.join(r, f)) > graded_at for r, _, fs in os.walk(source)
                          for f in fs)
            known = False
            if not changed:
                with open(recorded, "w") as fh:  # adopt it: from now on changes are detected exactly
                    fh.write(folder_digest(source) + "\n")
        if not (changed or self.force):
            self.counts["unchanged"] += 1
            return False
        if changed:
            self.log.warning("%s/%s: the submission changed since it was graded; grading it again",
                             student_id, assignment_id)
            if known:
                self._forget_hand_grading(assignment_id, student_id)
            else:  # no record of what was graded: a person's marks are kept, and flagged
                self.log.warning("%s/%s: graded before this course recorded what it graded; any hand-graded "
                                 "marks are kept: check them against the new answers", student_id, assignment_id)
        self.counts["regraded"] += 1
        rmtree(dest)
        return True

    def _forget_hand_grading(self, assignment_id: str, student_id: str) -> None:
        """A person's marks were given to the answers this resubmission replaces: they go, and wait again."""
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                submission = gb.find_submission(assignment_id, student_id)
            except MissingEntry:
                return
            cleared = 0
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.manual_score is not None or grade.extra_credit is not None:
                        grade.manual_score = grade.extra_credit = None
                        cleared += 1
                for comment in notebook.comments:
                    comment.manual_comment = None
            gb.db.commit()
        if cleared:
            self.log.warning("%s/%s: %d hand-graded marks were given to the previous version; they are cleared "
                             "and those answers wait for a person again", student_id, assignment_id, cleared)

    def set_permissions(self, assignment_id: str, student_id: str) -> None:
        if self._phase == "grade":  # record what this grade was computed from, before nbgrader locks the files
            source = os.path.normpath(self._format_source(assignment_id, student_id))
            dest = os.path.normpath(self._format_dest(assignment_id, student_id))
            with open(os.path.join(dest, SOURCE_DIGEST), "w") as fh:
                fh.write(folder_digest(source) + "\n")
        super().set_permissions(assignment_id, student_id)

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        super().init_assignment(assignment_id, student_id)
        if self._phase == "prepare":
            self._prepared.add((assignment_id, student_id))

    def convert_single_notebook(self, notebook_filename: str) -> None:
        if self._phase != "prepare":
            return super().convert_single_notebook(notebook_filename)
        self._sanitizing = True
        self._init_preprocessors()
        BaseConverter.convert_single_notebook(self, notebook_filename)
        sanitized = os.path.abspath(os.path.join(self.writer.build_directory, os.path.basename(notebook_filename)))
        self._jobs.append({"notebook": sanitized, "workdir": os.path.dirname(sanitized)})

    def _execute_all(self) -> dict[tuple[str, str], nbformat.NotebookNode]:
        """Pass 2: run every prepared notebook in its own process, ``jobs`` at once."""
        jobs = self.jobs or os.cpu_count() or 1
        if not self._jobs:
            return {}
        results: dict[tuple[str, str], nbformat.NotebookNode] = {}
        config = execute.job_config(self.config)
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="course-autograde-") as tmp:
            def run(i: int, job: dict) -> None:
                spec = {**job, "output": os.path.join(tmp, f"{i}.ipynb"), "config": config}
                spec_path = os.path.join(tmp, f"{i}.json")
                Path(spec_path).write_text(json.dumps(spec))
                before = nbformat.read(job["notebook"], as_version=4)
                out = subprocess.run([sys.executable, "-m", "course_grading.execute", spec_path],
                                     capture_output=True, text=True)
                if out.returncode == 0 and os.path.exists(spec["output"]):
                    results[(job["workdir"], execute.digest(before))] = nbformat.read(spec["output"], as_version=4)
                    execute.EXECUTED_FROM[job["workdir"]] = nbformat.writes(before)
                else:
                    self.log.warning("executing %s in a job failed; it runs again while grading:\n%s",
                                     job["notebook"], out.stderr[-2000:])

            with ThreadPoolExecutor(max_workers=jobs) as pool:
                for f in [pool.submit(run, i, job) for i, job in enumerate(self._jobs)]:
                    f.result()
        self.executed = (len(self._jobs), time.perf_counter() - start, jobs)
        return results


aliases = {**nbgrader_aliases, "jobs": "ParallelAutograde.jobs"}


class ParallelAutogradeApp(AutogradeApp):
    """``nbgrader autograde`` with ``--jobs N``, every submission in its own sandbox."""

    name = "course-autograde"
    aliases = aliases

    def _classes_default(self):
        return [*super()._classes_default(), ParallelAutograde, sandbox.Sandbox, execute.SandboxedExecute]

    def start(self) -> None:
        # nbgrader's own start (config, course directory), then ours: short lab names, collect, grade, summary
        super(AutogradeApp, self).start()
        if len(self.extra_args) > 1:
            self.fail("Only one argument (the assignment id) may be specified")
        elif len(self.extra_args) == 0 and self.coursedir.assignment_id == "":
            self.fail("An assignment id must be specified, either as an argument or with --assignment")
        elif len(self.extra_args) == 1:
            self.coursedir.assignment_id = self.extra_args[0]
        course = Path(self.coursedir.root)
        try:
            lab = collect.resolve_lab(self.coursedir.assignment_id, course)
        except collect.UnknownLab as err:
            print(f"autograde: {err}", file=sys.stderr)
            sys.exit(2)
        self.coursedir.assignment_id = lab
        if sandbox.enabled():
            try:
                print(sandbox.Sandbox(parent=self).check(), flush=True)
            except sandbox.SandboxUnavailable as err:
                print(f"autograde: {err}", file=sys.stderr)
                sys.exit(2)
        else:
            print(sandbox.WARNING_OFF, file=sys.stderr)
        found = collect.collect(course, lab)
        for problem in found.problems:
            print(problem)
        excluded = sorted({s for name in found.present for s in found.excluded(name)})
        if excluded:
            before = [s for s in self.coursedir.student_id_exclude.split(",") if s]
            self.coursedir.student_id_exclude = ",".join(sorted(set(before) | set(excluded)))
        converter = ParallelAutograde(coursedir=self.coursedir, parent=self)
        failed = False
        try:
            converter.start()
        except NbGraderException:
            failed = True
        # the integrity scan of this lab's answers, always, even when some submissions failed to grade
        notebooks = [course / "submitted" / s / lab / f"{lab}.ipynb" for s in found.gradable.get(lab, [])]
        findings = [f for nb in notebooks if nb.exists() for f in integrity.scan_notebook(nb)]
        for finding in findings:
            print(f"INTEGRITY {os.path.relpath(finding.notebook, course)} [{finding.cell}] line {finding.line}: "
                  f"{finding.what}")
        print(f"integrity scan: {len(notebooks)} notebooks, {len(findings)} findings")
        print(summary(lab, converter, found, failed, len(findings)))
        if failed:
            sys.exit(1)
        if found.problems:
            sys.exit(3)


def summary(lab: str, converter: ParallelAutograde, found: collect.Collection, failed: bool,
            findings: int = 0) -> str:
    """One line an instructor can read: what this run did."""
    counts = getattr(converter, "counts", {"new": 0, "regraded": 0, "unchanged": 0})
    parts = [f"{counts['new']} graded", f"{counts['regraded']} regraded", f"{counts['unchanged']} unchanged (skipped)"]
    if found.problems:
        parts.append(f"{len(found.problems)} files not gradable (listed above)")
    if findings:
        parts.append(f"{findings} integrity findings to review (INTEGRITY lines above)")
    if failed:
        parts.append("some submissions FAILED to grade (errors above)")
    line = f"autograde {lab}: " + ", ".join(parts)
    if getattr(converter, "executed", None):
        n, seconds, jobs = converter.executed
        line += f"; executed {n} notebooks in {seconds:.0f} s, {jobs} at a time"
    return line


def quiet_library_warnings() -> None:
    """nbgrader's gradebook trips SQLAlchemy 2's autoflush warning ("... not in session, add operation
    along ... will not proceed") on every new submission; the rows are added correctly right after.
    An instructor reads a screen of those as a failure, so this one warning (and only it) is hidden."""
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", message=r".*not in session, add operation along", category=SAWarning)


def main() -> None:
    quiet_library_warnings()
    shutil.which("jupyter") or print("autograde: `jupyter` is not on PATH (run through make)", file=sys.stderr)
    ParallelAutogradeApp.launch_instance()


if __name__ == "__main__":
    main()
