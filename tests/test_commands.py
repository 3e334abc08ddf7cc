"""The README's commands, run for real: `make setup` is idempotent, `make lab` serves JupyterLab."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_setup_is_quick_when_nothing_changed():
    """A second `make setup` finds the stamp newer than pyproject.toml and installs nothing."""
    start = time.perf_counter()
    out = subprocess.run(["make", "-s", "setup"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    out = subprocess.run(["make", "-s", "-q", ".venv/.installed"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, "make setup is not up to date after running it"
    assert "pip install" not in out.stdout
    assert time.perf_counter() - start < 600


@pytest.mark.slow
def test_make_lab_starts_jupyterlab_that_answers_on_localhost(tmp_path):
    port = _free_port()
    args = f"--no-browser --port={port} --ServerApp.ip=127.0.0.1 --IdentityProvider.token= --ServerApp.password="
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_ARGS={args}"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    try:
        deadline, body, status = time.time() + 120, "", None
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab", timeout=5) as r:
                    status, body = r.status, r.read().decode()
                break
            except OSError:
                time.sleep(1)
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert status == 200 and "JupyterLab" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/course_utils", timeout=5) as r:
            assert r.status == 200  # serves the course folder as its root
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
def test_instructor_make_targets_grade_a_submission_end_to_end(tmp_path):
    """The README's worked example: submitted/ -> make autograde -> make feedback -> make grades."""
    import csv
    import shutil
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    import grading_course as gs

    for name in ["Makefile", "pyproject.toml", "nbgrader_config.py"]:
        shutil.copy2(ROOT / name, tmp_path / name)  # keeps mtimes: .venv stays up to date
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    shutil.copytree(ROOT / "labs", tmp_path / "labs")
    lab = gs.LABS[0]
    release = gs.nbformat.read(ROOT / "labs" / lab / f"{lab}.ipynb", as_version=4)
    dest = tmp_path / "submitted" / "alice" / lab / f"{lab}.ipynb"
    dest.parent.mkdir(parents=True)
    gs.nbformat.write(gs.build_submission(lab, release, "solution"), dest)
    before = dest.read_bytes()
    venv = f"VENV={ROOT / '.venv'}"
    for target in ["autograde", "feedback", "grades"]:
        out = subprocess.run(["make", "-s", target, f"LAB={lab}", venv], cwd=tmp_path, capture_output=True,
                             text=True, timeout=600)
        assert out.returncode == 0, f"make {target}:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    assert "integrity scan: 1 notebooks, 0 findings" in subprocess.run(
        ["make", "-s", "integrity", venv], cwd=tmp_path, capture_output=True, text=True).stdout
    assert dest.read_bytes() == before
    assert (tmp_path / "feedback" / "alice" / lab / f"{lab}.html").exists()
    rows = list(csv.DictReader(open(tmp_path / "grades.csv")))
    alice = next(r for r in rows if r["student"] == "alice" and r["lab"] == lab)
    points = sum(c.metadata.nbgrader.get("points", 0) for c in release.cells
                 if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade"))
    assert float(alice["auto"]) == float(alice["total"]) == points
    assert alice["status"].startswith("waiting for hand-grading")  # the reflection waits for a person
