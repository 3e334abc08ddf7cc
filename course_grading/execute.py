"""nbgrader's executor for this course: sandboxed, crash-safe, and able to take precomputed results.

- :class:`CrashSafeExecute`: nbgrader's own executor gives up on the whole submission when the
  kernel dies (``os._exit``, a segfault, the memory or process limit): the student gets no
  autograded notebook at all. Here the cell that killed the kernel gets an error output that says
  why, when the sandbox knows (time limit, too many processes, memory), every later code cell gets
  one too (the kernel's state is gone, so they cannot run), and grading goes on: cells before the
  crash keep their scores, the rest score 0. Infinite loops are stopped by nbgrader's cell
  timeout (``c.Execute.timeout``), which interrupts the kernel and records a ``CellTimeoutError``.
- :class:`SandboxedExecute`: the same, with every kernel inside the bubblewrap sandbox
  (:mod:`course_grading.sandbox`) unless ``SANDBOX=0``; and when the parallel autograder has
  already executed this exact notebook in this folder (:data:`PRECOMPUTED`), it takes that result
  instead of running the notebook again.

``python -m course_grading.execute JOB.json`` executes one notebook as a job of the parallel
autograder (:mod:`course_grading.autograde`): it never opens the gradebook.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import os
import sys
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets.config import Config

from course_grading import sandbox

# (folder, digest of the notebook before execution) -> the executed notebook
PRECOMPUTED: dict[tuple[str, str], NotebookNode] = {}
# folder -> the notebook text the job process executed (to say what changed when a result goes unused)
EXECUTED_FROM: dict[str, str] = {}
# the configuration sections that decide how a notebook executes (passed on to job processes)
CONFIG_SECTIONS = ("ExecutePreprocessor", "NotebookClient", "Execute", "CrashSafeExecute", "SandboxedExecute",
                   "Sandbox", "KernelManager", "SandboxKernelManager")


def digest(nb: NotebookNode) -> str:
    return hashlib.sha256(nbformat.writes(nb).encode()).hexdigest()


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class CrashSafeExecute(Execute):
    """nbgrader's ``Execute`` that turns a dead kernel into errors on the remaining cells."""

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        self._dead_at: int | None = None
        self._dead_why = ""
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> tuple[NotebookNode, Any]:
        if self._dead_at is not None:
            if cell.cell_type == "code":
                why = f"not run: the kernel died in cell {self._dead_at}{self._dead_why}"
                cell.outputs = [_error("KernelDied", why)]
            return cell, self.resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            reason = getattr(self.km, "death_reason", lambda: None)()
            return self._dead(cell, index, reason, "the kernel died while running this cell")
        except CellTimeoutError:
            # the timeout's interrupt did not stop the cell (SIGINT ignored, stuck in C code): stock nbgrader
            # drops the whole submission here; stop the kernel and grade the cells before instead
            reason = f"the cell ran past the {self.timeout} s timeout and did not stop when interrupted"
            stop = getattr(self.km, "stop_sandbox", None)
            if stop is not None:
                stop(reason)
            else:
                self.km.provisioner.process.kill()
            return self._dead(cell, index, reason, "this cell was stopped")

    def _dead(self, cell: NotebookNode, index: int, reason: str | None, what: str) -> tuple[NotebookNode, Any]:
        self._dead_at = index
        self._dead_why = f" ({reason})" if reason else ""
        cell.outputs.append(_error("KernelDied", f"{what}{self._dead_why}"))
        self.log.warning("kernel died in cell %d%s; later cells are marked as not run", index, self._dead_why)
        return cell, self.resources


class SandboxedExecute(CrashSafeExecute):
    """:class:`CrashSafeExecute` with each kernel in the sandbox, reusing precomputed results."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if sandbox.enabled():
            kwargs.setdefault("kernel_manager_class", sandbox.SandboxKernelManager)
        else:
            kwargs.setdefault("kernel_manager_class", AsyncKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        path = os.path.abspath(((resources or {}).get("metadata") or {}).get("path") or os.getcwd())
        done = PRECOMPUTED.pop((path, digest(nb)), None)
        if done is not None:
            return done, resources
        if path in EXECUTED_FROM:
            diff = difflib.unified_diff(EXECUTED_FROM[path].splitlines(), nbformat.writes(nb).splitlines(),
                                        "executed in its job", "graded now", n=1, lineterm="")
            self.log.warning("%s differs from the notebook its job executed; it runs again:\n%s",
                             path, "\n".join(list(diff)[:40]))
        if not sandbox.enabled():
            print(sandbox.WARNING_OFF, file=sys.stderr)
        return super().preprocess(nb, resources, km)


def job_config(config: Config) -> dict[str, dict[str, Any]]:
    """The sections of ``config`` that a job process needs to execute exactly as the grader would."""
    return {name: dict(config[name]) for name in CONFIG_SECTIONS if name in config}


def run_job(job: dict[str, Any]) -> None:
    """Execute ``job['notebook']`` in ``job['workdir']`` and write the result to ``job['output']``."""
    nb = nbformat.read(job["notebook"], as_version=4)
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    ep = SandboxedExecute(config=Config(copy.deepcopy(job.get("config", {}))))
    done, _ = ep.preprocess(nb, {"metadata": {"path": job["workdir"]}})
    nbformat.write(done, job["output"])


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print("usage: python -m course_grading.execute JOB.json", file=sys.stderr)
        return 2
    with open(args[0]) as fh:
        run_job(json.load(fh))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
