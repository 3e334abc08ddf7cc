"""nbgrader for an instructor on the hub: the course folder the Formgrader and `nbgrader` work in.

hub/course_folder.py makes that folder (~/vae-course unless COURSE_NBGRADER_COURSE_ROOT says otherwise);
its own nbgrader_config.py loads the course's nbgrader_config.py and then hub/jupyter/common's.

`nbgrader` commands typed in that folder read its nbgrader_config.py themselves; the Formgrader does not (it
reads the server's configuration folders and the server's own folder, the home). So this file loads the course
folder's configuration too, once the folder exists: without it the Formgrader looks for the labs in source/
(not solutions/) and lists no assignment at all. nbgrader reloads this file on every Formgrader request, so a
course folder made after the server started is picked up.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader)

root = os.path.expanduser(os.environ.get("COURSE_NBGRADER_COURSE_ROOT", "~/vae-course"))
c.CourseDirectory.root = root
if os.path.isfile(os.path.join(root, "nbgrader_config.py")):
    load_subconfig(os.path.join(root, "nbgrader_config.py"))  # noqa: F821 (provided by nbgrader)
    c.CourseDirectory.root = root  # whatever that file says, the folder stays the course root
