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

Every nbgrader option works as with ``nbgrader autograde`` (``--force``, ``--student``,
``--Execute.timeout=...``, ``--Sandbox.time_limit=...``).
"""

from __future__ import annotations

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
from nbgrader.apps.autogradeapp import AutogradeApp
from nbgrader.apps.autogradeapp import aliases as nbgrader_aliases
from nbgrader.converters import Autograde, BaseConverter, NbGraderException
from nbgrader.utils import rmtree
from traitlets import Integer

from course_grading import execute, sandbox


class ParallelAutograde(Autograde):
    """nbgrader's Autograde converter, in three passes (module docstring)."""

    jobs = Integer(0, help="submissions executed at once (0: one per CPU core)").tag(config=True)

    def start(self) -> None:
        self._phase = "all"
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
            execute.PRECOMPUTED.clear()
        if prepare_failed is not None:
            raise prepare_failed

    def init_destination(self, assignment_id: str, student_id: str) -> bool:
        if self._phase != "grade":
            return super().init_destination(assignment_id, student_id)
        if (assignment_id, student_id) not in self._prepared:
            return False
        dest = os.path.normpath(self._format_dest(assignment_id, student_id))
        if os.path.exists(dest):
            rmtree(dest)
        return True

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
                else:
                    self.log.warning("executing %s in a job failed; it runs again while grading:\n%s",
                                     job["notebook"], out.stderr[-2000:])

            with ThreadPoolExecutor(max_workers=jobs) as pool:
                for f in [pool.submit(run, i, job) for i, job in enumerate(self._jobs)]:
                    f.result()
        self.log.info("executed %d notebooks in %.1f s with %d jobs", len(self._jobs),
                      time.perf_counter() - start, jobs)
        return results


aliases = {**nbgrader_aliases, "jobs": "ParallelAutograde.jobs"}


class ParallelAutogradeApp(AutogradeApp):
    """``nbgrader autograde`` with ``--jobs N``, every submission in its own sandbox."""

    name = "course-autograde"
    aliases = aliases

    def _classes_default(self):
        return [*super()._classes_default(), ParallelAutograde, sandbox.Sandbox, execute.SandboxedExecute]

    def start(self) -> None:
        if sandbox.enabled():
            try:
                self.log.info(sandbox.Sandbox(parent=self).check())
            except sandbox.SandboxUnavailable as err:
                print(f"autograde: {err}", file=sys.stderr)
                sys.exit(2)
        else:
            print(sandbox.WARNING_OFF, file=sys.stderr)
        # nbgrader's own start, with our converter
        super(AutogradeApp, self).start()
        if len(self.extra_args) > 1:
            self.fail("Only one argument (the assignment id) may be specified")
        elif len(self.extra_args) == 0 and self.coursedir.assignment_id == "":
            self.fail("An assignment id must be specified, either as an argument or with --assignment")
        elif len(self.extra_args) == 1:
            self.coursedir.assignment_id = self.extra_args[0]
        converter = ParallelAutograde(coursedir=self.coursedir, parent=self)
        try:
            converter.start()
        except NbGraderException:
            sys.exit(1)


def main() -> None:
    shutil.which("jupyter") or print("autograde: `jupyter` is not on PATH (run through make)", file=sys.stderr)
    ParallelAutogradeApp.launch_instance()


if __name__ == "__main__":
    main()
