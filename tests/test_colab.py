"""Colab: every notebook starts with the badge and the install cell; the cell does nothing outside Colab,
clones the pinned ref and installs the course on Colab, recovers from a failed or interrupted install, and
the installed package carries the data and weights.

The cell is rendered here from scripts/colab.py, not read from a notebook, so only the first test depends on
the notebooks on disk being regenerated (`make colab`)."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import grading_course as gs
import nbformat
import pytest

NOTEBOOKS = (sorted((gs.ROOT / "lectures").glob("*.ipynb")) + sorted((gs.ROOT / "solutions").glob("*/*.ipynb"))
             + sorted((gs.ROOT / "labs").glob("*/*.ipynb")))

_spec = importlib.util.spec_from_file_location("colab_script", gs.ROOT / "scripts" / "colab.py")
colab = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(colab)
URL, REF = colab.repository(), colab.default_ref()


def setup_source() -> str:
    """The cell every notebook should carry: the default ref (v<version>) of pyproject's repository."""
    return colab.setup_source(URL, REF)


def cell(repository: str | None = None, target: str | None = None, ref: str | None = None) -> str:
    """The notebooks' cell with some of its constants replaced, the way a test points it at local folders."""
    source = setup_source()
    for old, new in ((URL, repository), (colab.TARGET, target), (REF, ref)):
        if new is not None:
            assert source.count(f'"{old}"') == 1, old
            source = source.replace(f'"{old}"', f'"{new}"')
    return source


def test_every_lecture_lab_and_solution_starts_with_the_current_badge_and_setup_cell():
    out = subprocess.run([sys.executable, "scripts/colab.py", "--check"], cwd=gs.ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        badge, setup = nb.cells[0], nb.cells[1]
        assert badge.cell_type == "markdown" and "colab.research.google.com/github/" in badge.source, path
        assert f"/blob/{REF}/" in badge.source, f"{path}: the badge opens the pinned ref"
        assert setup.cell_type == "code" and setup.source == setup_source(), path
        if "lab" in path.parts[-2]:
            target = f"labs/{path.stem}/{path.stem}.ipynb"
            assert badge.source.rstrip(")").endswith(target), f"{path}: the badge opens the student lab"


def test_the_cells_pin_the_release_tag_and_check_sees_a_stale_url_or_ref(monkeypatch):
    version = __import__("tomllib").loads((gs.ROOT / "pyproject.toml").read_text())["project"]["version"]
    monkeypatch.delenv("COLAB_REF", raising=False)
    assert colab.chosen_ref() == REF == f"v{version}"
    monkeypatch.setenv("COLAB_REF", "from-env")
    assert colab.chosen_ref() == "from-env" and colab.chosen_ref("from-cli") == "from-cli"
    rel = "solutions/lab01_x/lab01_x.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = colab.cells_for(rel, URL, "v1.0.0") + [nbformat.v4.new_code_cell("x = 1")]
    badge, setup = nb.cells[:2]
    assert "/blob/v1.0.0/labs/lab01_x/lab01_x.ipynb)" in badge.source
    assert '"v1.0.0"' in setup.source and '"--branch", REF' in setup.source
    assert colab.is_current(nb, rel, URL, "v1.0.0")
    assert not colab.is_current(nb, rel, URL, "v1.1.0")
    assert not colab.is_current(nb, rel, "https://github.com/someone/else", "v1.0.0")


def test_the_script_takes_its_ref_from_the_option_then_the_environment_and_reminds_to_push_it(monkeypatch, capsys):
    monkeypatch.setattr(colab, "notebooks", lambda: [])  # nothing read or written
    cases = [([], None, REF), ([], "from-env", "from-env"), (["--ref", "from-cli"], "from-env", "from-cli")]
    for argv, env, ref in cases:
        if env is None:
            monkeypatch.delenv("COLAB_REF", raising=False)
        else:
            monkeypatch.setenv("COLAB_REF", env)
        monkeypatch.setattr(sys, "argv", ["colab.py", *argv])
        assert colab.main() == 0
        assert f"git tag {ref} && git push origin {ref}" in capsys.readouterr().out
    monkeypatch.setattr(sys, "argv", ["colab.py", "--ref", "not a ref"])
    with pytest.raises(SystemExit, match="not a usable git tag or branch name: 'not a ref'"):
        colab.main()


def run_cell(prelude: str, source: str) -> dict:
    """Run the cell with subprocess.run recorded instead of run (a clone only makes its folder)."""
    driver = textwrap.dedent(prelude) + textwrap.dedent('''
        import json, os, subprocess, sys
        calls = []
        def fake_run(cmd, check=False):
            calls.append(cmd)
            if cmd[:2] == ["git", "clone"]:
                os.makedirs(cmd[-1])
        subprocess.run = fake_run
        before = list(sys.path)
        exec(compile(SOURCE, "colab_setup", "exec"), {})
        print(json.dumps({"calls": calls, "added": [p for p in sys.path if p not in before]}))
    ''')
    out = subprocess.run([sys.executable, "-c", f"SOURCE = {source!r}\n" + driver], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


ON_COLAB = '''
    import sys, types
    sys.modules["google"] = types.ModuleType("google")
    sys.modules["google.colab"] = types.ModuleType("google.colab")
'''


def test_the_setup_cell_does_nothing_outside_colab():
    assert run_cell("", setup_source()) == {"calls": [], "added": []}


def test_on_colab_the_setup_cell_clones_the_pinned_ref_installs_and_imports_the_course(tmp_path):
    target = str(tmp_path / "vae-chem-course")
    got = run_cell(ON_COLAB, cell(target=target))
    clone, install = got["calls"]
    assert clone == ["git", "clone", "--quiet", "--depth", "1", "--branch", REF, URL, target]
    assert install[1:] == ["-m", "pip", "install", "--quiet", "-e", target]
    assert got["added"] == [target]
    assert (tmp_path / "vae-chem-course" / ".colab-installed").read_text() == REF


# The cell for real: git clones a local repository tagged with the cell's ref, and pip installs a tiny package
# from it into a throw-away virtual environment, offline (its build backend is in the package: no setuptools).
TINY_BACKEND = r'''
import os
import zipfile

NAME, VERSION = "tinycourse", "1.0"
DIST = f"{NAME}-{VERSION}.dist-info"


def _wheel(directory, files):
    files = {**files, f"{DIST}/METADATA": f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {VERSION}\n",
             f"{DIST}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    files[f"{DIST}/RECORD"] = "".join(f"{path},,\n" for path in [*files, f"{DIST}/RECORD"])
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as whl:
        for path, text in files.items():
            whl.writestr(path, text)
    return name


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(f"{NAME}/__init__.py") as f:
        return _wheel(wheel_directory, {f"{NAME}/__init__.py": f.read()})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {f"{NAME}.pth": os.getcwd() + "\n"})
'''
TINY_PYPROJECT = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_NOSYSTEM": "1"}


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def tag_release(repo: Path, pyproject: str) -> None:
    """Commit the tiny package with this pyproject.toml and (re)point the cell's tag at it."""
    (repo / "pyproject.toml").write_text(pyproject)
    git("add", "-A", cwd=repo)
    git("commit", "--quiet", "--allow-empty", "-m", "release", cwd=repo)
    git("tag", "--force", REF, cwd=repo)


@pytest.fixture(scope="module")
def colab_machine(tmp_path_factory):
    """A virtual environment standing in for Colab's Python: `import google.colab` works and pip is there."""
    root = tmp_path_factory.mktemp("colab")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    (root / "path" / "google" / "colab").mkdir(parents=True)
    (root / "path" / "google" / "__init__.py").write_text("")
    (root / "path" / "google" / "colab" / "__init__.py").write_text("")
    # this interpreter's pip, and only it, is importable there (no network, no ensurepip: fast)
    (root / "path" / "pip").symlink_to(Path(__import__("pip").__file__).parent)
    env = {**os.environ, "PYTHONPATH": str(root / "path"), "PIP_NO_INDEX": "1", "PIP_CONFIG_FILE": os.devnull,
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONNOUSERSITE": "1"}
    env.pop("VIRTUAL_ENV", None)
    return root / "venv" / "bin" / "python", env


@pytest.fixture
def course_repo(tmp_path):
    repo = tmp_path / "origin"
    (repo / "tinycourse").mkdir(parents=True)
    (repo / "tinycourse" / "__init__.py").write_text("")
    (repo / "backend.py").write_text(TINY_BACKEND)
    git("init", "--quiet", cwd=repo)
    tag_release(repo, TINY_PYPROJECT)
    return repo


def run_on_colab(machine, repo: Path, target: Path, ref: str | None = None) -> tuple[int, list[str], str, dict]:
    """Run the real cell; returns its exit code, the lines it printed, stderr, and what got installed."""
    python, env = machine
    source = cell(repository=repo.as_uri(), target=str(target), ref=ref)
    driver = textwrap.dedent('''
        import google.colab, importlib.metadata, json, sys
        exec(compile(sys.argv[1], "colab_setup", "exec"), {})
        import tinycourse
        print("RESULT", json.dumps({"version": importlib.metadata.version("tinycourse"),
                                    "module": tinycourse.__file__}))
    ''')
    out = subprocess.run([str(python), "-c", driver, source], capture_output=True, text=True, env=env,
                         cwd=target.parent, timeout=300)
    lines = out.stdout.splitlines()
    result = json.loads(lines.pop()[len("RESULT "):]) if lines and lines[-1].startswith("RESULT ") else {}
    return out.returncode, lines, out.stderr, result


def marker(target: Path) -> Path:
    return target / ".colab-installed"


def installed(target: Path) -> dict:
    return {"version": "1.0", "module": str(target / "tinycourse" / "__init__.py")}


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_on_colab_a_first_run_clones_the_tag_installs_and_writes_the_marker(colab_machine, course_repo, tmp_path):
    target = tmp_path / "vae-chem-course"
    rc, printed, err, result = run_on_colab(colab_machine, course_repo, target)
    assert rc == 0, err
    assert printed == [f"Colab setup: installing the course ({REF}), about a minute..."]
    assert marker(target).read_text() == REF
    assert result == installed(target)  # pip-installed (metadata found) and importable from the clone
    head = subprocess.run(["git", "describe", "--tags"], cwd=target, capture_output=True, text=True).stdout
    assert head.strip() == REF


@needs_git
def test_on_colab_a_failed_install_says_so_in_one_line_raises_and_a_rerun_recovers(colab_machine, course_repo,
                                                                                  tmp_path):
    target = tmp_path / "vae-chem-course"
    tag_release(course_repo, TINY_PYPROJECT + "[broken\n")  # pip cannot read pyproject.toml: the install fails
    rc, printed, err, result = run_on_colab(colab_machine, course_repo, target)
    assert rc != 0 and "CalledProcessError" in err, err
    assert printed == [f"Colab setup: installing the course ({REF}), about a minute...",
                       "Colab setup: the install (pip install) step failed; run this cell again to retry, "
                       f"and if it fails again report it at {course_repo.as_uri()}/issues"]
    assert target.is_dir() and not marker(target).exists()  # what the old cell took for a finished install

    tag_release(course_repo, TINY_PYPROJECT)  # the cause goes away (a fixed release, a network back up...)
    rc, printed, err, result = run_on_colab(colab_machine, course_repo, target)
    assert rc == 0, err
    assert printed == [f"Colab setup: {target} is an unfinished or older install; removing it and installing again.",
                       f"Colab setup: installing the course ({REF}), about a minute..."]
    assert marker(target).read_text() == REF and result == installed(target)


@needs_git
def test_on_colab_a_missing_tag_fails_at_the_download_step(colab_machine, course_repo, tmp_path):
    target = tmp_path / "vae-chem-course"
    rc, printed, err, _ = run_on_colab(colab_machine, course_repo, target, ref="v999.0.0")
    assert rc != 0 and "CalledProcessError" in err, err
    assert printed[-1] == ("Colab setup: the download (git clone) step failed; run this cell again to retry, "
                           f"and if it fails again report it at {course_repo.as_uri()}/issues")
    assert not marker(target).exists()


@needs_git
def test_on_colab_a_second_run_does_nothing_and_another_ref_reinstalls(colab_machine, course_repo, tmp_path):
    target = tmp_path / "vae-chem-course"
    assert run_on_colab(colab_machine, course_repo, target)[0] == 0
    (target / "sentinel").write_text("")
    moved = course_repo.rename(tmp_path / "elsewhere")  # any clone would now fail
    rc, printed, err, result = run_on_colab(colab_machine, course_repo, target)
    assert (rc, printed) == (0, []), err
    assert (target / "sentinel").exists() and result == installed(target)

    moved.rename(course_repo)
    marker(target).write_text("v0.0.1")  # installed by a notebook pinned to an older release
    rc, printed, err, result = run_on_colab(colab_machine, course_repo, target)
    assert rc == 0, err
    assert printed[0] == f"Colab setup: {target} is an unfinished or older install; removing it and installing again."
    assert not (target / "sentinel").exists() and marker(target).read_text() == REF and result == installed(target)


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
