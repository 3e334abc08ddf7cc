"""Put an "Open in Colab" badge and a Colab install cell at the top of every lecture and solution notebook.

The repository URL comes from pyproject.toml ([project.urls] Repository). The install cell is
self-contained (it runs before the course exists on the machine): on Google Colab it clones the
repository and pip-installs it (code, data and weights come with the package); anywhere else it
does nothing. Run `make colab` after changing the URL (it also regenerates labs/).

    python scripts/colab.py          # write the cells
    python scripts/colab.py --check  # exit 1 if any notebook lacks the current cells
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
import tomllib

ROOT = Path(__file__).resolve().parent.parent
BADGE_ID, SETUP_ID = "colab-badge", "colab-setup"
TARGET = "/content/vae-chem-course"

SETUP_TEMPLATE = '''# Colab setup (locked). On Google Colab this installs the course (code, data, pretrained weights)
# from its repository, once per session; anywhere else it does nothing.
import os
import subprocess
import sys

if "google.colab" in sys.modules:
    REPOSITORY, TARGET = "{url}", "{target}"
    if not os.path.isdir(TARGET):
        subprocess.run(["git", "clone", "--depth", "1", REPOSITORY, TARGET], check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", TARGET], check=True)
    if TARGET not in sys.path:
        sys.path.insert(0, TARGET)'''


def repository() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return data["project"]["urls"]["Repository"]


def colab_link(url: str, path: str) -> str:
    m = re.match(r"https://github\.com/([^/]+)/([^/.]+)", url)
    if not m:
        raise SystemExit(f"the Repository URL must be a GitHub URL for Colab links, got {url!r}")
    return f"https://colab.research.google.com/github/{m.group(1)}/{m.group(2)}/blob/main/{path}"


def cells_for(nb_path: Path, url: str) -> list[nbformat.NotebookNode]:
    rel = nb_path.relative_to(ROOT).as_posix()
    badge = "https://colab.research.google.com/assets/colab-badge.svg"
    if rel.startswith("solutions/"):
        lab = nb_path.stem
        # the released lab is generated from this notebook, so the badge opens the student version
        text = f"[![Open In Colab]({badge})]({colab_link(url, f'labs/{lab}/{lab}.ipynb')})"
    else:
        text = f"[![Open In Colab]({badge})]({colab_link(url, rel)})"
    md = nbformat.v4.new_markdown_cell(text)
    md["id"] = BADGE_ID
    code = nbformat.v4.new_code_cell(SETUP_TEMPLATE.format(url=url, target=TARGET))
    code["id"] = SETUP_ID
    if rel.startswith("solutions/"):
        for cell, gid in ((md, "colab_badge"), (code, "colab_setup")):
            cell.metadata["nbgrader"] = {"grade": False, "grade_id": gid, "locked": True, "schema_version": 3,
                                         "solution": False, "task": False}
    return [md, code]


def notebooks() -> list[Path]:
    return sorted((ROOT / "lectures").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*/*.ipynb"))


def apply(nb_path: Path, url: str) -> bool:
    """Insert or refresh the two cells; returns True when the file changed."""
    nb = nbformat.read(nb_path, as_version=4)
    body = [c for c in nb.cells if c.get("id") not in (BADGE_ID, SETUP_ID)]
    new = cells_for(nb_path, url) + body
    if [(c.cell_type, c.source, c.metadata) for c in new] == [(c.cell_type, c.source, c.metadata) for c in nb.cells]:
        return False
    nb.cells = new
    nbformat.validate(nb)
    nbformat.write(nb, nb_path)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report notebooks whose Colab cells are stale")
    args = parser.parse_args()
    url = repository()
    stale = []
    for path in notebooks():
        if args.check:
            nb = nbformat.read(path, as_version=4)
            want = cells_for(path, url)
            have = nb.cells[:2]
            if [(c.source, c.metadata) for c in have] != [(c.source, c.metadata) for c in want]:
                stale.append(path)
        elif apply(path, url):
            print(f"updated {path.relative_to(ROOT)}")
    if stale:
        print("stale Colab cells (run `make colab`):", *[str(p.relative_to(ROOT)) for p in stale], sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
