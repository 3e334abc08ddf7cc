"""An instructor's nbgrader course folder on the hub: `python hub/course_folder.py [FOLDER]`, run as the instructor.

Makes FOLDER (default: $COURSE_NBGRADER_COURSE_ROOT, else ~/vae-course) with a copy of the course's
solutions/ and an nbgrader_config.py that loads the course's own nbgrader_config.py and then the hub's
(hub/jupyter/common/nbgrader_config.py: the shared exchange and the course id), so that `nbgrader
release_assignment`, `collect`, `python -m course_grading.autograde` and the Formgrader all work there
with the hub's exchange. The gradebook, submitted/, autograded/ and feedback/ live in this folder, in the
instructor's home (keep homes 700: hub/README.md). Running it again keeps what is there and refreshes the config.
"""

import os
import shutil
import sys
from pathlib import Path

REPO = Path(os.environ.get("COURSE_NBGRADER_REPO", Path(__file__).resolve().parents[1]))

CONFIG = '''"""This course folder's nbgrader configuration (written, and rewritten, by hub/course_folder.py)."""

c = get_config()  # noqa: F821
# the course's own settings (sandboxed grading, feedback pages, ...), then the hub's exchange and course id
load_subconfig({course!r})  # noqa: F821
load_subconfig({hub!r})  # noqa: F821
'''


def main(argv: list[str]) -> int:
    default = os.environ.get("COURSE_NBGRADER_COURSE_ROOT", "~/vae-course")
    folder = Path(os.path.expanduser(argv[0] if argv else default)).absolute()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not (folder / "solutions").exists():
        shutil.copytree(REPO / "solutions", folder / "solutions", ignore=shutil.ignore_patterns("*.png", "__pycache__"))
    (folder / "nbgrader_config.py").write_text(CONFIG.format(
        course=str(REPO / "nbgrader_config.py"), hub=str(REPO / "hub" / "jupyter" / "common" / "nbgrader_config.py")))
    print(f"course folder ready: {folder} (nbgrader commands run there; the Formgrader uses it)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
