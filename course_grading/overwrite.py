"""nbgrader's OverwriteCells without the false alarm on every untouched test cell.

A test cell is saved in the gradebook *with* its hidden tests, and released *without* them, so its
released checksum never matches the gradebook's. nbgrader compares the two for every locked cell
of every submission and warns ``Attribute 'checksum' for cell ... has changed!``, even for a
notebook nobody edited; an instructor reads that as tampering. :class:`OverwriteCells` compares
the submitted source with the *released* form of the gradebook's source (hidden tests removed, as
``generate_assignment`` does) and stays quiet when they agree. A cell that really was edited gets
one plain warning; either way the cell is restored from the gradebook, exactly as nbgrader does.
"""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.preprocessors import OverwriteCells as NbgraderOverwriteCells


def released_source(source: str, cell_type: str = "code") -> str:
    """The source a student receives: hidden test regions removed by nbgrader's own ClearHiddenTests."""
    cell = NotebookNode(cell_type=cell_type, source=copy.copy(source), metadata=NotebookNode())
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


class OverwriteCells(NbgraderOverwriteCells):
    """``OverwriteCells`` that reports a locked cell only when the student really changed it."""

    def preprocess_cell(self, cell: NotebookNode, resources: Any, cell_index: int) -> tuple[NotebookNode, Any]:
        self._submitted_source = cell.get("source", "")
        return super().preprocess_cell(cell, resources, cell_index)

    def missing_cell_transform(self, source_cell: Any, max_score: float, is_solution: bool = False,
                               is_task: bool = False) -> NotebookNode:
        """nbgrader's restored cell, with an id fixed by its grade id.

        Without one, nbformat invents a random id each time the notebook is written, so the same
        submission sanitizes differently on every pass and the parallel grader's precomputed result
        (keyed by the notebook's digest) would never match.
        """
        cell = super().missing_cell_transform(source_cell, max_score, is_solution=is_solution, is_task=is_task)
        name = re.sub(r"[^A-Za-z0-9_-]", "-", source_cell.name)
        cell["id"] = f"restored-{name}"[:64] if len(name) <= 55 else \
            "restored-" + hashlib.sha256(source_cell.name.encode()).hexdigest()[:32]
        return cell

    def report_change(self, name: str, attr: str, old: Any, new: Any) -> None:
        if attr != "checksum":
            return super().report_change(name, attr, old, new)
        original = self.gradebook.find_source_cell(name, self.notebook_id, self.assignment_id)
        if self._submitted_source.strip() == released_source(original.source, original.cell_type).strip():
            return  # exactly as released: the hidden tests go back in, nothing happened
        self.log.warning("cell %s was edited in this submission; it is graded as released "
                         "(restored from the gradebook)", name)
