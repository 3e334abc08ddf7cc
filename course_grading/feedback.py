"""Feedback a student can read, that never shows hidden tests (configured in nbgrader_config.py).

The autograded notebook holds each test cell as the grader ran it, hidden tests included, and
nbgrader's feedback HTML shows it as is: every student would read the hidden tests of every lab.
:class:`HideHiddenTests` replaces each ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS``
region by one comment line, and cuts the traceback of an error in such a cell down to its last
line (the error's name and message), because a traceback quotes the lines of code around the
failure. The student still sees that the cell failed, its points and the test's own message.

:class:`GetGrades` adds to nbgrader's own which answers still wait for a person, and the page
template (``templates/course_feedback``, nbgrader's feedback template with :func:`course_feedback`
applied to it) names each question in the summary ("encoder: tests", "reflection: your written
answer"), shows a waiting answer as waiting instead of "0 / 2", and wraps long messages.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import GetGrades as NbgraderGetGrades
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TEMPLATES = Path(__file__).parent / "templates"  # holds course_feedback/
WRAP_CSS = ("<style>div.output_area pre, div.output_subarea pre { white-space: pre-wrap; word-break: break-word; }"
            " li.pending, span.pending { color: #8a6d3b; }</style>")


class GetGrades(NbgraderGetGrades):
    """nbgrader's GetGrades, also marking each answer that waits for a person (``nbgrader.pending``)."""

    def _get_score(self, cell: NotebookNode, resources: Any) -> None:
        super()._get_score(cell, resources)
        grade = self.gradebook.find_grade(cell.metadata["nbgrader"]["grade_id"], self.notebook_id,
                                          self.assignment_id, self.student_id)
        cell.metadata.nbgrader["pending"] = bool(grade.needs_manual_grade and grade.manual_score is None)

    def preprocess(self, nb: NotebookNode, resources: Any) -> tuple[NotebookNode, Any]:
        nb, resources = super().preprocess(nb, resources)
        resources["nbgrader"]["pending"] = sum(float(c.metadata.nbgrader.get("points", 0)) for c in nb.cells
                                               if c.metadata.get("nbgrader", {}).get("pending"))
        return nb, resources


def question_name(meta: dict) -> str:
    gid = meta.get("grade_id", "?")
    if meta.get("solution"):
        return f"{gid}: your written answer"
    return f"{gid[:-5]}: tests" if gid.endswith("_test") else gid


def course_feedback(page: str, nb: NotebookNode, resources: Any) -> str:
    """Jinja filter over nbgrader's rendered feedback body (see the module docstring)."""
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not (meta.get("grade") or meta.get("task")):
            continue
        gid = re.escape(meta["grade_id"])
        points = float(meta.get("points", 0))
        waiting = bool(meta.get("pending"))
        status = (f'<span class="pending">waiting for hand-grading ({points:g} points)</span>' if waiting
                  else f"Score: {float(meta.get('score') or 0):g} / {points:g}")
        item = ('<li class="pending">' if waiting else "<li>") + \
            f'<a href="#{meta["grade_id"]}">{html.escape(question_name(meta))}</a> ({status})'
        # the summary line, which nbgrader labels "Test cell" / "Written response"
        page = re.sub(rf'<li><a href="#{gid}">[^<]*</a> \(Score: [^)]*\)', item.replace("\\", "\\\\"), page, count=1)
        if waiting:  # the cell's own heading
            head = re.search(rf'<a name="{gid}"></a>.*?(Score: [0-9.]+ / [0-9.]+)', page, flags=re.S)
            if head:
                page = page[:head.start(1)] + status + page[head.end(1):]
    pending = float(resources.get("nbgrader", {}).get("pending") or 0)
    if pending:
        note = rf"\1; {pending:g} points still wait for hand-grading)</h4>"
        page = re.sub(r"(\(Score: [0-9.]+ / [0-9.]+)\)</h4>", note, page, count=1)
    return page.replace("<body>", "<body>\n" + WRAP_CSS, 1)


MATH = re.compile(r"(?<![\\$])\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$(?!\d)", re.S)
FENCE = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)


def latex_to_mathml(markdown: str) -> tuple[str, int, int]:
    """Replace ``$...$`` and ``$$...$$`` outside code by MathML; (text, converted, left as LaTeX)."""
    from latex2mathml.converter import convert

    done = failed = 0

    def one(m: re.Match) -> str:
        nonlocal done, failed
        block, inline = m.group(1), m.group(2)
        try:
            out = convert((block if block is not None else inline).strip(),
                          display="block" if block is not None else "inline")
        except Exception:  # latex2mathml does not know every macro: keep the LaTeX, readable as it is
            failed += 1
            return m.group(0)
        done += 1
        return out

    parts = FENCE.split(markdown)  # odd parts are code: never touched
    text = "".join(p if i % 2 else MATH.sub(one, p) for i, p in enumerate(parts))
    return text, done, failed


class FeedbackPreprocessor(NbGraderPreprocessor):
    """Base of this module's preprocessors."""

    # the exporter configures this for every preprocessor; declared (as nbgrader's GetGrades does) so that
    # traitlets does not warn "Config option `display_data_priority` not recognized" on every run
    display_data_priority = List(["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png",
                                  "image/jpeg", "text/plain"]).tag(config=True)


class MathToMathML(FeedbackPreprocessor):
    """Render the math of markdown cells as MathML, which browsers show without MathJax or a network.

    nbgrader's feedback page loads MathJax from a CDN, so a student reading it offline saw raw LaTeX.
    """


    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> tuple[NotebookNode, Any]:
        if cell.get("cell_type") == "markdown" and "$" in cell.get("source", ""):
            cell.source, done, failed = latex_to_mathml(cell.source)
            stats = resources.setdefault("math", {"converted": 0, "kept": 0})
            stats["converted"] += done
            stats["kept"] += failed
        return cell, resources


class HideHiddenTests(FeedbackPreprocessor):
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
