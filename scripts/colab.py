"""Put an "Open in Colab" badge and a Colab install cell at the top of every lecture and solution notebook.

The repository URL comes from pyproject.toml ([project.urls] Repository). The install cell is
self-contained (it runs before the course exists on the machine): on Google Colab it clones the
repository at a pinned ref and pip-installs it (code, data and weights come with the package);
anywhere else it does nothing. The ref is the tag v<project.version> unless --ref (or the COLAB_REF
environment variable) names another; the badges open the notebooks at that same ref, so the tag must
exist on the remote (`git tag v<version> && git push origin v<version>`). An install counts as done
only once TARGET/.colab-installed holds the ref: a folder without it (a failed or interrupted run) or
with another ref is removed and installed again, so re-running the cell retries. Run `make colab`
after changing the URL or the version (it also regenerates labs/).

    python scripts/colab.py              # write the cells, pinned to v<version>
    python scripts/colab.py --ref main   # pinned to another tag or branch (or: COLAB_REF=main)
    python scripts/colab.py --check      # exit 1 if any notebook lacks the current cells (URL and ref)
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from string import Template

import nbformat
import tomllib

ROOT = Path(__file__).resolve().parent.parent
BADGE_ID, SETUP_ID = "colab-badge", "colab-setup"
TARGET = "/content/vae-chem-course"
MARKER = ".colab-installed"  # written into TARGET last, holding the ref: without it the install is unfinished

# setup_source() fills in $url, $ref, $target and $marker: the cell is configured only by the constants in it.
SETUP_TEMPLATE = Template("""\
# Colab setup (locked). On Google Colab this installs the course (code, data, pretrained weights)
# at the version this notebook was written for, once per session; anywhere else it does nothing.
import os
import shutil
import subprocess
import sys

if "google.colab" in sys.modules:
    REPOSITORY, REF, TARGET = "$url", "$ref", "$target"
    MARKER = os.path.join(TARGET, "$marker")  # written last: no marker means an unfinished install
    if not (os.path.isfile(MARKER) and open(MARKER).read() == REF):
        if os.path.exists(TARGET):
            print(f"Colab setup: {TARGET} is an unfinished or older install; removing it and installing again.")
            shutil.rmtree(TARGET)
        print(f"Colab setup: installing the course ({REF}), about a minute...")
        step = "download (git clone)"
        try:
            subprocess.run(["git", "clone", "--quiet", "--depth", "1", "--branch", REF, REPOSITORY, TARGET],
                           check=True)
            step = "install (pip install)"
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", TARGET], check=True)
        except Exception:
            print(f"Colab setup: the {step} step failed; run this cell again to retry, "
                  f"and if it fails again report it at {REPOSITORY}/issues")
            raise
        with open(MARKER, "w") as marker:
            marker.write(REF)
    if TARGET not in sys.path:
        sys.path.insert(0, TARGET)""")


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def repository() -> str:
    return project()["urls"]["Repository"]


def default_ref() -> str:
    """The release tag the cells pin unless told otherwise: v<project.version>."""
    return f"v{project()['version']}"


def chosen_ref(cli_ref: str | None = None) -> str:
    """--ref, else the COLAB_REF environment variable, else v<project.version>."""
    return check_ref(cli_ref or os.environ.get("COLAB_REF") or default_ref())


def check_ref(ref: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]*", ref) or ".." in ref or ref.endswith((".", "/", ".lock")):
        raise SystemExit(f"not a usable git tag or branch name: {ref!r}")
    return ref


def setup_source(url: str, ref: str, target: str = TARGET) -> str:
    """The install cell for this repository, ref and install folder."""
    return SETUP_TEMPLATE.substitute(url=url, ref=check_ref(ref), target=target, marker=MARKER)


def colab_link(url: str, ref: str, path: str) -> str:
    m = re.match(r"https://github\.com/([^/]+)/([^/.]+)", url)
    if not m:
        raise SystemExit(f"the Repository URL must be a GitHub URL for Colab links, got {url!r}")
    return f"https://colab.research.google.com/github/{m.group(1)}/{m.group(2)}/blob/{check_ref(ref)}/{path}"


def cells_for(rel: str, url: str, ref: str) -> list[nbformat.NotebookNode]:
    """The badge and setup cells of the notebook at `rel` (its path from the repository root)."""
    badge = "https://colab.research.google.com/assets/colab-badge.svg"
    if rel.startswith("solutions/"):
        lab = Path(rel).stem
        # the released lab is generated from this notebook, so the badge opens the student version
        text = f"[![Open In Colab]({badge})]({colab_link(url, ref, f'labs/{lab}/{lab}.ipynb')})"
    else:
        text = f"[![Open In Colab]({badge})]({colab_link(url, ref, rel)})"
    md = nbformat.v4.new_markdown_cell(text)
    md["id"] = BADGE_ID
    code = nbformat.v4.new_code_cell(setup_source(url, ref))
    code["id"] = SETUP_ID
    if rel.startswith("solutions/"):
        for cell, gid in ((md, "colab_badge"), (code, "colab_setup")):
            cell.metadata["nbgrader"] = {"grade": False, "grade_id": gid, "locked": True, "schema_version": 3,
                                         "solution": False, "task": False}
    return [md, code]


def is_current(nb: nbformat.NotebookNode, rel: str, url: str, ref: str) -> bool:
    """Does the notebook start with the badge and setup cells for this URL and ref?"""
    want = cells_for(rel, url, ref)
    return [(c.source, c.metadata) for c in nb.cells[:2]] == [(c.source, c.metadata) for c in want]


def notebooks() -> list[Path]:
    return sorted((ROOT / "lectures").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*/*.ipynb"))


def apply(nb_path: Path, url: str, ref: str) -> bool:
    """Insert or refresh the two cells; returns True when the file changed."""
    nb = nbformat.read(nb_path, as_version=4)
    body = [c for c in nb.cells if c.get("id") not in (BADGE_ID, SETUP_ID)]
    new = cells_for(nb_path.relative_to(ROOT).as_posix(), url, ref) + body
    if [(c.cell_type, c.source, c.metadata) for c in new] == [(c.cell_type, c.source, c.metadata) for c in nb.cells]:
        return False
    nb.cells = new
    nbformat.validate(nb)
    nbformat.write(nb, nb_path)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report notebooks whose Colab cells are stale")
    parser.add_argument("--ref", help="the git tag or branch the cells install and the badges open "
                                      "(default: $COLAB_REF, else v<project.version> from pyproject.toml)")
    args = parser.parse_args()
    url, ref = repository(), chosen_ref(args.ref)
    stale = []
    for path in notebooks():
        rel = path.relative_to(ROOT).as_posix()
        if args.check:
            if not is_current(nbformat.read(path, as_version=4), rel, url, ref):
                stale.append(rel)
        elif apply(path, url, ref):
            print(f"updated {rel}")
    if stale:
        how = "make colab" if ref == default_ref() else f"make colab COLAB_REF={ref}"
        print(f"stale Colab cells for {url} at {ref} (run `{how}`):", *stale, sep="\n  ")
        return 1
    if not args.check:
        print(f"The Colab cells install {ref} and the badges open it, so {ref} must exist on {url}:\n"
              f"  git tag {ref} && git push origin {ref}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
