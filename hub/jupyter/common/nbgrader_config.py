"""nbgrader's settings for everyone on the hub: the exchange folder and the course id.

Every user's server reads this folder through JUPYTER_CONFIG_PATH (set by hub/jupyterhub_config.py), and
so do `nbgrader` commands typed in its terminal. The hub puts the values in the servers' environment.
"""

import os

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = os.environ.get("COURSE_NBGRADER_COURSE_ID", "vae-chem")
if os.environ.get("COURSE_NBGRADER_EXCHANGE"):
    c.Exchange.root = os.environ["COURSE_NBGRADER_EXCHANGE"]
