"""nbgrader for an instructor on the hub: the course folder the Formgrader and `nbgrader` work in.

hub/course_folder.py makes that folder (~/vae-course unless COURSE_NBGRADER_COURSE_ROOT says otherwise);
its own nbgrader_config.py loads the course's nbgrader_config.py and then hub/jupyter/common's.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.root = os.path.expanduser(os.environ.get("COURSE_NBGRADER_COURSE_ROOT", "~/vae-course"))
