"""Colab: every notebook starts with the badge and the install cell; the cell does nothing outside Colab,
clones and installs the course on Colab, and the installed package carries the data and weights."""

import json
import subprocess
import sys
import textwrap

import grading_course as gs
import nbformat
import pytest

NOTEBOOKS = (sorted((gs.ROOT / "lectures").glob("*.ipynb")) + sorted((gs.ROOT / "solutions").glob("*/*.ipynb"))
             + sorted((gs.ROOT / "labs").glob("*/*.ipynb")))


def setup_source() -> str:
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    return nb.cells[1].source


def test_every_lecture_lab_and_solution_starts_with_the_current_badge_and_setup_cell():
    out = subprocess.run([sys.executable, "scripts/colab.py", "--check"], cwd=gs.ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        badge, setup = nb.cells[0], nb.cells[1]
        assert badge.cell_type == "markdown" and "colab.research.google.com/github/" in badge.source, path
        assert setup.cell_type == "code" and setup.source == setup_source(), path
        if "lab" in path.parts[-2]:
            target = f"labs/{path.stem}/{path.stem}.ipynb"
            assert badge.source.rstrip(")").endswith(target), f"{path}: the badge opens the student lab"


def run_cell(prelude: str) -> dict:
    driver = textwrap.dedent(prelude) + textwrap.dedent('''
        import json, os, subprocess, sys
        calls = []
        subprocess.run = lambda cmd, check=False: calls.append(cmd)
        before = list(sys.path)
        exec(compile(SOURCE, "colab_setup", "exec"), {})
        print(json.dumps({"calls": calls, "added": [p for p in sys.path if p not in before]}))
    ''')
    out = subprocess.run([sys.executable, "-c", f"SOURCE = {setup_source()!r}\n" + driver], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_setup_cell_does_nothing_outside_colab():
    assert run_cell("") == {"calls": [], "added": []}


def test_on_colab_the_setup_cell_clones_installs_and_imports_the_course():
    got = run_cell('''
        import sys, types
        sys.modules["google"] = types.ModuleType("google")
        sys.modules["google.colab"] = types.ModuleType("google.colab")
    ''')
    url = __import__("tomllib").loads((gs.ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    clone, install = got["calls"]
    assert clone == ["git", "clone", "--depth", "1", url, "/content/vae-chem-course"]
    assert install[1:] == ["-m", "pip", "install", "--quiet", "-e", "/content/vae-chem-course"]
    assert got["added"] == ["/content/vae-chem-course"]


@pytest.mark.slow
def test_a_new_user_clone_and_pip_install_in_a_clean_venv_brings_data_and_weights(tmp_path):
    """The README's Colab route with the network steps made local: clone, install into a new venv."""
    clone = tmp_path / "course"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{gs.ROOT}", str(clone)], check=True)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", str(clone)],
                         capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr[-2000:]
    listing = subprocess.run([str(venv / "bin" / "python"), "-c",
                              "import importlib.util, pathlib; "
                              "p = pathlib.Path(importlib.util.find_spec('course_utils').origin).parent; "
                              "print('\\n'.join(str(f.relative_to(p)) for f in p.rglob('*') if f.is_file()))"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert any(f.startswith("data/") and f.endswith(".csv.gz") for f in listing), listing
    assert {"weights/smiles_vae.pt", "weights/smiles_vae_aromatic.pt", "weights/smiles_cvae.pt"} <= set(listing)
    assert "collapse.py" in listing and "privacy.py" in listing
