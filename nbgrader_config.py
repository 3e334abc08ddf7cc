"""nbgrader configuration: the course's source notebooks live in solutions/, releases in labs/.

Instructors: `make release`, `make autograde`, `make feedback`, `make grades` (see README).
"""

from pathlib import Path

import nbgrader
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.converters.autograde import Autograde
from nbgrader.coursedir import CourseDirectory

from course_grading.execute import SandboxedExecute
from course_grading.feedback import TEMPLATES, GetGrades, HideHiddenTests, MathToMathML
from course_grading.overwrite import OverwriteCells

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
c.CourseDirectory.course_id = "vae-chem"
# nbgrader's exchange (release/fetch/submit between accounts) lives in the course folder, not in
# /usr/local/share/nbgrader/exchange, which an ordinary account cannot write (the Formgrader's log
# said "Unwritable directory" on every start). A JupyterHub deployment points it at a shared folder.
c.Exchange.root = "exchange"

# A submission that deletes a test cell gets it back (graded as if untouched).
c.OverwriteCells.add_missing_cells = True
# One cell may run this long during autograding (training cells shrink via NBGRADER_EXECUTION).
c.Execute.timeout = 60
# Every submission runs in its own bubblewrap sandbox (course_grading/sandbox.py; SANDBOX=0 turns it
# off, with a warning), and a kernel that dies costs the cells from there on, not the whole submission.
c.Autograde.autograde_preprocessors = [
    SandboxedExecute if p.__name__ == "Execute" else p
    for p in Autograde.class_traits()["autograde_preprocessors"].default()
]
# An untouched test cell is not reported as changed (its released form lacks the hidden tests); an
# edited one is reported once, in plain words, and restored as nbgrader always does.
c.Autograde.sanitize_preprocessors = [
    OverwriteCells if p.__name__ == "OverwriteCells" else p
    for p in Autograde.class_traits()["sanitize_preprocessors"].default()
]
# Figures a solution run saves next to its notebook (lab 04's t-SNE map, lab 07's film strip) are
# outputs, not course material: never copy them into labs/ or a student's release.
c.CourseDirectory.ignore = [*CourseDirectory.class_traits()["ignore"].default(), "*.png"]
# Feedback shows that a hidden test failed and its message, never its code; its summary names each
# question, shows an answer waiting for a person as waiting (not 0 points), wraps long messages, and
# shows math as MathML (no MathJax from a CDN: it renders offline).
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, MathToMathML, CSSHTMLHeaderPreprocessor]
c.HTMLExporter.template_name = "course_feedback"
NBGRADER_TEMPLATES = str(Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates")
c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), NBGRADER_TEMPLATES]
c.HTMLExporter.template_file = "course_feedback.html.j2"  # extends the chain's next index.html.j2: nbgrader's
c.HTMLExporter.filters = {"course_feedback": "course_grading.feedback.course_feedback"}
