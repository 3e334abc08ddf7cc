"""Feedback that never shows hidden tests: ``c.GenerateFeedback.preprocessors`` in nbgrader_config.py.

The autograded notebook holds each test cell as the grader ran it, hidden tests included, and
nbgrader's feedback HTML shows it as is: every student would read the hidden tests of every lab.
:class:`HideHiddenTests` replaces each ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS``
region by one comment line, and cuts the traceback of an error in such a cell down to its last
line (the error's name and message), because a traceback quotes the lines of code around the
failure. The student still sees that the cell failed, its points and the test's own message.
"""

from __future__ import annotations

import re
from typing import Any

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class HideHiddenTests(NbGraderPreprocessor):
    """Remove the source of hidden tests (and the tracebacks that quote it) from a graded notebook."""

    begin = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end = Unicode("END HIDDEN TESTS").tag(config=True)

    def hide(self, source: str) -> tuple[str, bool]:
        out, hidden, inside = [], 0, False
        for line in source.split("\n"):
            if self.begin in line:
                inside = True
                indent = line[: len(line) - len(line.lstrip())]
                continue
            if inside and self.end in line:
                inside = False
                out.append(f"{indent}# ... hidden tests ({hidden} lines): not shown; their messages are below")
                hidden = 0
                continue
            if inside:
                hidden += 1
            else:
                out.append(line)
        if inside:  # an unterminated region hides everything after its start
            out.append(f"{indent}# ... hidden tests ({hidden} lines): not shown; their messages are below")
        return "\n".join(out), out != source.split("\n")

    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> tuple[NotebookNode, Any]:
        if self.begin not in cell.get("source", ""):
            return cell, resources
        cell.source, _ = self.hide(cell.source)
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                out.traceback = [ANSI.sub("", f"{out.get('ename', 'Error')}: {out.get('evalue', '')}")]
        return cell, resources
