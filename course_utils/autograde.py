"""nbgrader plug-in for instructors: grading that survives a submission that kills its kernel.

nbgrader's own executor gives up on the whole submission when the kernel dies (``os._exit``, a
segfault, running out of memory): the student gets no autograded notebook at all. With
:class:`CrashSafeExecute` (enabled in ``nbgrader_config.py``) the cell that killed the kernel gets
an error output, every later code cell gets one too (the kernel's state is gone, so they cannot
run), and grading goes on: cells before the crash keep their scores, the rest score 0.
Infinite loops are handled by nbgrader's cell timeout (``c.Execute.timeout``), which interrupts
the kernel and records a ``CellTimeoutError`` in that cell.
"""

from __future__ import annotations

from typing import Any

from nbclient.exceptions import DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute


def _error(ename: str, evalue: str) -> NotebookNode:
    return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class CrashSafeExecute(Execute):
    """nbgrader's ``Execute`` that turns a dead kernel into errors on the remaining cells."""

    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        self._dead_at: int | None = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> tuple[NotebookNode, Any]:
        if self._dead_at is not None:
            if cell.cell_type == "code":
                cell.outputs = [_error("KernelDied", f"not run: the kernel died in cell {self._dead_at}")]
            return cell, self.resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._dead_at = index
            cell.outputs.append(_error("KernelDied", "the kernel died while running this cell"))
            self.log.warning("kernel died in cell %d; later cells are marked as not run", index)
            return cell, self.resources
