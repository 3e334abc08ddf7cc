"""nbgrader configuration: the course's source notebooks live in solutions/, releases in labs/.

Instructors: `make release`, `make autograde`, `make feedback`, `make grades` (see README).
"""

from nbgrader.converters.autograde import Autograde

from course_utils.autograde import CrashSafeExecute

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "labs"
c.CourseDirectory.course_id = "vae-chem"

# A submission that deletes a test cell gets it back (graded as if untouched).
c.OverwriteCells.add_missing_cells = True
# One cell may run this long during autograding (training cells shrink via NBGRADER_EXECUTION).
c.Execute.timeout = 60
# A kernel that dies costs the cells from there on, not the whole submission.
c.Autograde.autograde_preprocessors = [
    CrashSafeExecute if p.__name__ == "Execute" else p
    for p in Autograde.class_traits()["autograde_preprocessors"].default()
]
