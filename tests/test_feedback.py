"""Feedback pages (course_grading/feedback.py): hidden tests removed, math as MathML, a readable summary.

The whole page is checked through `make feedback` in tests/test_grading_pipeline.py (no hidden test
line in any lab's feedback) and tests/test_instructor_loop.py (named questions, pending points,
MathML); these are the pieces, on inputs small enough to check by hand.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_grading.feedback import HideHiddenTests, course_feedback, latex_to_mathml

M = "{http://www.w3.org/1998/Math/MathML}"


def test_hidden_regions_become_one_line_and_their_tracebacks_lose_the_code():
    source = ("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nsecret = 41 + 1\nassert f(secret) == 84\n"
              "### END HIDDEN TESTS\nprint('done')")
    cell = new_code_cell(source, outputs=[new_output("error", ename="AssertionError", evalue="f: expected 84",
                                                     traceback=["\x1b[0;31m----> 4 assert f(secret) == 84\x1b[0m",
                                                                "AssertionError: f: expected 84"])])
    cell, _ = HideHiddenTests().preprocess_cell(cell, {}, 0)
    assert cell.source.splitlines() == [
        "assert f(1) == 2", "# ... hidden tests (2 lines): not shown; their messages are below", "print('done')"]
    assert cell.outputs[0].traceback == ["AssertionError: f: expected 84"]
    visible = new_code_cell("assert f(1) == 2", outputs=[new_output("error", ename="E", evalue="v", traceback=["tb"])])
    assert HideHiddenTests().preprocess_cell(visible, {}, 0)[0].outputs[0].traceback == ["tb"]  # untouched
    open_ended = new_code_cell("x = 1\n    ### BEGIN HIDDEN TESTS\n    assert secret")
    assert "secret" not in HideHiddenTests().preprocess_cell(open_ended, {}, 0)[0].source


def test_math_becomes_mathml_that_parses_and_code_and_prices_are_left_alone():
    text, done, kept = latex_to_mathml(
        "Inline $x^2$ and display $$\\frac{a}{b}$$; code `$HOME` and\n```\necho $PATH $x$\n```\ncosts \\$5 or $5.")
    assert (done, kept) == (2, 0), text
    assert "`$HOME`" in text and "echo $PATH $x$" in text and "\\$5" in text and "$5." in text
    inline, display = [ET.fromstring(m) for m in text.split("<math")[1:] for m in ["<math" + m.split("</math>")[0]
                                                                                       + "</math>"]]
    assert inline.get("display") == "inline" and inline.find(f".//{M}msup") is not None
    assert display.get("display") == "block" and display.find(f".//{M}mfrac") is not None
    text, done, kept = latex_to_mathml("$\\left( x$")
    assert (done, kept, text) == (0, 1, "$\\left( x$")  # the converter refuses it: the LaTeX stays, readable


def test_the_summary_names_questions_and_shows_waiting_answers_as_waiting():
    nb = new_notebook(cells=[
        new_code_cell("", metadata={"nbgrader": {"grade": True, "grade_id": "kl_test", "points": 2, "score": 0.0}}),
        new_markdown_cell("", metadata={"nbgrader": {"grade": True, "solution": True, "grade_id": "reflection",
                                                     "points": 3, "score": 0.0, "pending": True}})])
    page = ("<body><h4>lab (Score: 0.0 / 5.0)</h4><ol>"
            '<li><a href="#kl_test">Test cell</a> (Score: 0.0 / 2.0)</li>'
            '<li><a href="#reflection">Written response</a> (Score: 0.0 / 3.0)</li></ol>'
            '<a name="reflection"></a><div class="panel-heading"><span>Student\'s answer</span>'
            '<span class="pull-right">Score: 0.0 / 3.0 <a href="#top">(Top)</a></span></div></body>')
    out = course_feedback(page, nb, {"nbgrader": {"pending": 3.0}})
    assert '<li><a href="#kl_test">kl: tests</a> (Score: 0 / 2)</li>' in out
    assert ('<li class="pending"><a href="#reflection">reflection: your written answer</a> '
            '(<span class="pending">waiting for hand-grading (3 points)</span>)</li>') in out
    assert "Score: 0.0 / 3.0" not in out  # neither in the summary nor in the cell's own heading
    assert "(Score: 0.0 / 5.0; 3 points still wait for hand-grading)</h4>" in out
    assert "white-space: pre-wrap" in out
