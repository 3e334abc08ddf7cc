"""The grading sandbox (course_grading/sandbox.py), run for real: bubblewrap, namespaces, limits.

What a kernel sees and what outlives it are checked with a real kernel; the autograder's promises
(never unsandboxed by accident, the same grades in parallel, in every run) through `make autograde`
on prepared submissions. The attack submissions themselves are graded with every lab's pipeline
(tests/test_grading_pipeline.py); here they are also run WITHOUT the sandbox, to show that each
attack is real and that those tests can fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import grading_course as gs
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

from course_grading import sandbox

LAB = "lab01_vae_building_blocks"


def run_in_sandbox(cells: list[str], workdir: Path, **env: str) -> list[str]:
    """Execute code cells in one sandboxed kernel with cwd ``workdir``; return each cell's output text."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True, interrupt_on_timeout=True,
                       kernel_manager_class=sandbox.SandboxKernelManager,
                       resources={"metadata": {"path": str(workdir)}}).execute()
    except DeadKernelError:
        pass  # a cell that ends the kernel: the outputs so far are the result
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return ["".join(o.get("text", "") or f"{o.get('ename')}: {o.get('evalue')}" for o in c.outputs)
            for c in nb.cells]


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A course folder as an instructor has it, with one student's work folder to run in."""
    (tmp_path / "solutions" / LAB).mkdir(parents=True)
    (tmp_path / "solutions" / LAB / "answers.ipynb").write_text("{}")
    (tmp_path / "gradebook.db").write_text("grades")
    (tmp_path / "submitted" / "bob" / LAB).mkdir(parents=True)
    (tmp_path / "submitted" / "bob" / LAB / f"{LAB}.ipynb").write_text("{}")
    work = tmp_path / "autograded" / "alice" / LAB
    work.mkdir(parents=True)
    (work / "data.txt").write_text("alice's data")
    return tmp_path


def test_a_kernel_sees_its_own_folder_and_nothing_of_the_instructor(course):
    work = course / "autograded" / "alice" / LAB
    host_tmp_file = Path(tempfile.gettempdir()) / f"host-only-{uuid.uuid4().hex}"
    host_tmp_file.write_text("the instructor's temporary file")
    paths = [str(course / "solutions"), str(course / "gradebook.db"), str(course / "submitted"), str(work / "data.txt")]
    out = run_in_sandbox([
        f"import os, json, socket, sys\nprint(json.dumps({{p: os.path.exists(p) for p in {paths!r}}}))",
        "print(open('data.txt').read()); open('scratch.txt', 'w').write('x'); print(os.listdir('..'))",
        f"print(os.path.exists({str(host_tmp_file)!r}), os.path.exists(os.path.expanduser('~/.ssh')), "
        "'SECRET_TOKEN' in os.environ)",
        "try:\n    open('/usr/lib/planted', 'w')\nexcept OSError as e:\n    print('read-only', type(e).__name__)",
        "print([n for _, n in socket.if_nameindex()])",
        "import course_utils, torch; print('imports ok', torch.get_num_threads())",
    ], work, SECRET_TOKEN="do-not-leak")
    host_tmp_file.unlink()
    seen = json.loads(out[0])
    assert seen == {str(course / "solutions"): False, str(course / "gradebook.db"): False,
                    str(course / "submitted"): False, str(work / "data.txt"): True}, seen
    assert out[1].startswith("alice's data") and "['" + LAB + "']" in out[1], out[1]
    assert not (work / "scratch.txt").exists(), "the kernel's writes must stay in its scratch copy"
    assert out[2].strip() == "False False False", out[2]  # the host's /tmp, a home, the instructor's variables
    assert out[3].strip() == "read-only OSError", out[3]
    assert out[4].strip() == "['lo']", out[4]
    assert out[5].strip() == "imports ok 1", out[5]


def test_every_process_a_kernel_starts_ends_with_it(course):
    marker = f"sandbox-survivor-{uuid.uuid4().hex}"
    out = run_in_sandbox([
        "import subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)', '{marker}'], "
        "start_new_session=True)\nprint('started')",
    ], course / "autograded" / "alice" / LAB)
    assert out[0].strip() == "started"
    deadline = time.time() + 10
    while time.time() < deadline:
        if not subprocess.run(["pgrep", "-f", marker], capture_output=True).stdout:
            break
        time.sleep(0.2)
    else:
        pytest.fail("a detached process of the kernel survived the end of its sandbox")


class RecordingKernelManager(sandbox.SandboxKernelManager):
    """The sandbox's kernel manager, remembering the folders and cgroups each kernel was given."""

    made: list[Path] = []

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        cgroups = list(self._cgroups.dirs.values()) if self._cgroups else []
        RecordingKernelManager.made += [Path(self._rundir), Path(self._scratch), *cgroups]


def test_no_scratch_folder_or_cgroup_is_left_behind_even_when_the_kernel_dies(course):
    RecordingKernelManager.made = []
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in ["print(1)", "import os\nos._exit(1)"]])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    with pytest.raises(DeadKernelError):
        NotebookClient(nb, timeout=60, kernel_name="python3", kernel_manager_class=RecordingKernelManager,
                       resources={"metadata": {"path": str(course / "autograded" / "alice" / LAB)}}).execute()
    assert nb.cells[0].outputs[0].text == "1\n"
    made = RecordingKernelManager.made
    assert len(made) >= 2, made
    assert not [p for p in made if p.exists()], f"left behind: {[p for p in made if p.exists()]}"


def run_job(tmp_path: Path, course: Path, cells: list[str], config: dict) -> tuple[list, float]:
    """Execute a notebook as the parallel autograder's job process does; (outputs per cell, seconds)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "job.ipynb")
    spec = {"notebook": str(tmp_path / "job.ipynb"), "workdir": str(course / "autograded" / "alice" / LAB),
            "output": str(tmp_path / "done.ipynb"), "config": config}
    (tmp_path / "job.json").write_text(json.dumps(spec))
    start = time.perf_counter()
    subprocess.run([gs.BIN / "python", "-m", "course_grading.execute", str(tmp_path / "job.json")], check=True,
                   timeout=120)
    done = nbformat.read(tmp_path / "done.ipynb", as_version=4)
    return [c.outputs for c in done.cells], time.perf_counter() - start


STUBBORN = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.01)"


def test_a_cell_that_ignores_the_timeout_interrupt_is_stopped_and_the_cells_before_it_count(course, tmp_path):
    outs, seconds = run_job(tmp_path, course, ["print('before')", STUBBORN, "print('never')"],
                            {"Execute": {"timeout": 3}})
    assert outs[0][0].text == "before\n"
    assert outs[1][-1].ename == "KernelDied" and "did not stop when interrupted" in outs[1][-1].evalue, outs[1]
    assert outs[2][0].ename == "KernelDied" and "not run" in outs[2][0].evalue
    assert seconds < 60


def test_the_wall_time_limit_stops_a_whole_submission(course, tmp_path):
    outs, seconds = run_job(tmp_path, course, [STUBBORN, "print('never')"],
                            {"Execute": {"timeout": 120}, "Sandbox": {"time_limit": 8}})
    assert outs[0][-1].ename == "KernelDied" and "time limit (8 s" in outs[0][-1].evalue, outs[0]
    assert "not run" in outs[1][0].evalue
    assert seconds < 60


def test_autograde_refuses_to_run_without_a_working_sandbox_and_says_how_to_fix_it(tmp_path):
    course = gs.Course.create(tmp_path, LAB)
    course.submit("solution")
    before = gs.tree_digest(tmp_path / "submitted")
    course.autograde(env={"BWRAP": "/bin/false"}, check=False)
    out = course.last
    assert out.returncode != 0
    assert "could not start" in out.stderr and "SANDBOX=0" in out.stderr and "sysctl" in out.stderr, out.stderr
    assert not (tmp_path / "autograded").exists(), "nothing may be graded unsandboxed by accident"
    assert gs.tree_digest(tmp_path / "submitted") == before


@pytest.mark.slow
def test_without_the_sandbox_the_attacks_succeed_and_every_run_warns(tmp_path):
    """SANDBOX=0 (the explicit opt-out): the attack submissions really do what they try to."""
    course = gs.Course.create(tmp_path, LAB)
    for s in ("solution", "attack_solutions", "attack_gradebook", "attack_classmate"):
        course.submit(s)
    victim = tmp_path / "submitted" / "solution" / LAB / f"{LAB}.ipynb"
    victim_before = victim.read_bytes()
    try:
        course.autograde("--Execute.timeout=30", env={"SANDBOX": "0"})
        assert "WARNING: SANDBOX=0" in course.last.stderr
        time.sleep(4)  # the daemon rewrites its grades every 0.3 s
        scores = course.scores()
        full = {c: mx for c, (_, mx) in scores["solution"].items() if _ is not None}
        stolen = {c: a for c, (a, _) in scores["attack_solutions"].items() if c in full}
        assert stolen == full, f"unsandboxed, reading solutions/ should score full marks: {stolen}"
        rewritten = scores["attack_gradebook"]
        assert all(a == mx for a, mx in rewritten.values()), f"unsandboxed, the daemon should win: {rewritten}"
        assert victim.read_bytes() != victim_before, "unsandboxed, a classmate's file should be changed"
    finally:
        subprocess.run(["pkill", "-f", str(tmp_path)], capture_output=True)


def scores_of(course: gs.Course) -> dict:
    return {s: {c: a for c, (a, _) in cells.items()} for s, cells in course.scores().items()}


@pytest.mark.slow
def test_grades_do_not_depend_on_jobs_or_on_the_run(tmp_path):
    """JOBS=1, JOBS=2 and JOBS=2 again: the same score for every cell of every submission."""
    lab = "lab06_anomaly_detection"
    course = gs.Course.create(tmp_path, lab)
    for s in ("solution", "blank", "partial", "tamper"):
        course.submit(s)
    runs = []
    for jobs in (1, 2, 2):
        course.autograde("--Execute.timeout=60", jobs=jobs)
        assert "were not used" not in course.last.stderr, course.last.stderr[-6000:]
        runs.append(scores_of(course))
    assert runs[0] == runs[1] == runs[2], runs
    assert runs[0]["solution"] != runs[0]["partial"] != runs[0]["blank"]
    assert "executed 4 notebooks in" in course.last.stdout and "2 at a time" in course.last.stdout, course.last.stdout
