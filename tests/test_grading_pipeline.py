"""The grading pipeline, run for real on every lab: release, validate, autograde, feedback, export.

Every lab in solutions/ joins these tests automatically. Prepared submissions are in
tests/submissions/<lab>/ (format in its README); the scores each must get are below.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import grading_course as gs  # noqa: E402

CELL_TIMEOUT = 20  # seconds; the real course uses nbgrader_config.py's 60

# Cells that lose their points (score 0) for each prepared submission; every other automatically
# graded cell must score full marks. "*" means every automatically graded cell.
LOSES: dict[str, dict[str, set[str]]] = {
    "lab01_vae_building_blocks": {
        "cheat": {"*"},
        "partial": {"elbo_test"},
        "tamper": {"reparameterize_test", "decoder_test"},
        "crash_loop": {"decoder_test", "vae_test"},  # the VAE needs the Decoder the loop never defined
        "crash_exit": {"decoder_test", "vae_test"},  # the kernel died: later cells cannot run
        # attacks on the grading itself (tests/test_sandbox.py checks what else they must not do)
        "attack_solutions": {"*"},  # solutions/ is not in the sandbox: nothing to import
        "attack_gradebook": {"*"},  # a blank submission whose daemon cannot reach gradebook.db
        "attack_classmate": set(),  # honest answers; the classmates' files stay untouched
        "attack_network": set(),
        "attack_forkbomb": {"decoder_test", "vae_test"},  # stopped at the process limit in decoder_answer
        "attack_memory": set(),  # a MemoryError and OOM-killed children, in its own cells only
    },
    "lab02_smiles_vae": {
        "cheat": {"*"},
        "partial": {"can_end_test"},
        "tamper": {"metrics_test", "interpolate_test"},
    },
    "lab03_conditional_vae": {
        "cheat": {"*"},
        "partial": {"evaluation_test"},
        # condition_vectors calls the (broken) standardize, so its test fails too
        "tamper": {"standardize_test", "decoder_test", "conditions_test"},
    },
    "lab04_latent_space": {
        "cheat": {"*"},
        "partial": {"ks_test"},
        "tamper": {"ridge_test", "path_test"},
    },
    "lab05_closed_loop_design": {
        "cheat": {"*"},
        "partial": {"oracle_test"},
        "tamper": {"summary_test", "round_test"},
    },
    "lab06_anomaly_detection": {
        "cheat": {"*"},
        "partial": {"threshold_test"},
        # the Poisson "NB" also breaks the loss and score pieces built on it
        "tamper": {"nb_test", "loss_test", "score_test", "auroc_test"},
    },
    "lab07_collapse_disentanglement": {
        "cheat": {"*"},
        # the loss is built on expected_reconstruction, so it loses its points too
        "partial": {"expectation_test", "loss_test"},
        "tamper": {"optimum_test", "traverse_test"},
    },
    "lab08_renormalization": {
        "cheat": {"*"},
        "partial": {"power_test"},
        # the sampler is built on the (broken) spectrum, so it loses its points too
        "tamper": {"spectrum_test", "sampler_test", "overlap_test"},
    },
    "lab09_crystal_vae": {
        "cheat": {"*"},
        # the loss is built on the (broken) minimum image, so it loses its points too
        "partial": {"image_test", "loss_test"},
        "tamper": {"lattice_test", "distance_test"},
    },
    "lab10_genomic_privacy": {
        "cheat": {"*"},
        "partial": {"attack_test"},
        "tamper": {"mendel_test", "loss_test"},
    },
}


def tracked(folder: str) -> list[str]:
    """Paths (relative to the repository) of the files git tracks under ``folder``."""
    out = subprocess.run(["git", "ls-files", "-z", folder], cwd=gs.ROOT, capture_output=True, check=True)
    return [p for p in out.stdout.decode().split("\0") if p]


def lab_params():
    return [pytest.param(lab, marks=pytest.mark.xdist_group(f"grading-{lab}")) for lab in gs.LABS]


def students(lab: str) -> list[str]:
    """The prepared submissions this module grades; the catalogued mistakes (``mistake_*``) are run by
    tests/test_mistakes.py instead (one kernel per lab, and a real autograde of a sample of them)."""
    return ["solution", "blank", *sorted(p.stem for p in (gs.SUBMISSIONS / lab).glob("*.py")
                                         if not p.stem.startswith("mistake_"))]


_GRADED: dict[str, dict] = {}
LISTEN_PORT = 47613  # attack_network tries to reach the grading machine here (127.0.0.1, outside its sandbox)
DAEMON_WAIT = 4.0  # seconds to watch gradebook.db after autograde returns (attack_gradebook writes every 0.3 s)


class Listener:
    """A TCP server on 127.0.0.1:LISTEN_PORT for the duration of a ``with``; ``heard`` lists what arrived."""

    def __enter__(self) -> list[bytes]:
        self.heard: list[bytes] = []
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", LISTEN_PORT))
        self.server.listen(8)

        def serve() -> None:
            while True:
                try:
                    conn, _ = self.server.accept()
                except OSError:
                    return
                self.heard.append(conn.recv(200) or b"(connected, sent nothing)")
                conn.close()

        threading.Thread(target=serve, daemon=True).start()
        return self.heard

    def __exit__(self, *exc) -> None:
        self.server.close()


def db_digest(course: gs.Course) -> str:
    return hashlib.sha256((course.root / "gradebook.db").read_bytes()).hexdigest()


def graded(lab: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the whole pipeline once per lab (per test worker) and keep what the tests check."""
    if lab not in _GRADED:
        course = gs.Course.create(tmp_path_factory.mktemp(lab), lab)
        for s in students(lab):
            course.submit(s)
        before = gs.tree_digest(course.root / "submitted")
        heard: list[bytes] = []
        if "attack_network" in students(lab):
            with Listener() as heard:
                seconds = course.autograde(f"--Execute.timeout={CELL_TIMEOUT}")
        else:
            seconds = course.autograde(f"--Execute.timeout={CELL_TIMEOUT}")
        db_at_return = db_digest(course)
        if "attack_gradebook" in students(lab):
            time.sleep(DAEMON_WAIT)
        db_later = db_digest(course)
        course.feedback()
        _GRADED[lab] = {
            "course": course,
            "seconds": seconds,
            "before": before,
            "after": gs.tree_digest(course.root / "submitted"),
            "db": (db_at_return, db_later),
            "heard": heard,
            "scores": course.scores(),
            "csv": course.export_csv(),
        }
    return _GRADED[lab]


def outputs(course: gs.Course, student: str, grade_id: str) -> str:
    """The text of every output of one cell of a student's autograded notebook."""
    lab = course.lab
    nb = nbformat.read(course.root / "autograded" / student / lab / f"{lab}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if gs.grade_id(c) == grade_id)
    return "\n".join(o.get("text", "") or f"{o.get('ename')}: {o.get('evalue')}" for o in cell.get("outputs", []))


def auto_cells(lab: str) -> dict[str, float]:
    """grade_id -> points of the automatically graded (code test) cells of the released lab."""
    release = nbformat.read(gs.ROOT / "labs" / lab / f"{lab}.ipynb", as_version=4)
    return {c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"]) for c in release.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_release_is_exactly_what_nbgrader_generates(lab, tmp_path):
    """labs/<lab> must be byte-identical to a fresh `nbgrader generate_assignment` of solutions/<lab>."""
    # only files under version control: running a solution writes figures (gitignored) next to it
    for rel in tracked(f"solutions/{lab}"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes((gs.ROOT / rel).read_bytes())
    # a figure a solution run leaves beside its notebook must not travel into the release
    (tmp_path / "solutions" / lab / "figure_from_a_run.png").write_bytes(b"\x89PNG not course material")
    subprocess.run(["cp", str(gs.ROOT / "nbgrader_config.py"), str(tmp_path)], check=True)
    gs.nbgrader("generate_assignment", lab, "--no-db", "--force", cwd=tmp_path)
    fresh = gs.tree_digest(tmp_path / "labs" / lab)
    committed = {str(Path(rel).relative_to(f"labs/{lab}")): hashlib.sha256((gs.ROOT / rel).read_bytes()).hexdigest()
                 for rel in tracked(f"labs/{lab}")}
    assert fresh == committed, "labs/ drifted from solutions/: run `make release` and commit the result"


# `nbgrader validate` (the student's Validate button) is checked through its Python API on the two
# quickest labs, both with a hand-graded reflection that must count as failed while unanswered. For
# every lab, the same two facts are checked by the autograde below (the solution scores full marks, the
# blank release scores 0 on every automatically graded cell); validating all ten would repeat two
# notebook runs per lab in CI.
VALIDATED_LABS = ("lab01_vae_building_blocks", "lab06_anomaly_detection")


@pytest.mark.slow
@pytest.mark.parametrize("lab", [p for p in lab_params() if p.values[0] in VALIDATED_LABS])
def test_validator_passes_the_solution_and_fails_every_graded_cell_of_the_release(lab):
    from nbgrader.validator import Validator

    solution = gs.ROOT / "solutions" / lab / f"{lab}.ipynb"
    release = gs.ROOT / "labs" / lab / f"{lab}.ipynb"
    result = Validator().validate(str(solution))
    assert not result.get("failed") and not result.get("changed"), json.dumps(result, indent=1)[:3000]
    result = Validator().validate(str(release))
    graded = [c for c in nbformat.read(release, as_version=4).cells if c.metadata.get("nbgrader", {}).get("grade")]
    # every test cell fails, and so does every unanswered hand-graded answer ("YOUR ANSWER HERE")
    assert len(result.get("failed", [])) == len(graded) > 0


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_every_prepared_submission_gets_exactly_its_expected_score(lab, tmp_path_factory):
    g = graded(lab, tmp_path_factory)
    scores = g["scores"]
    assert set(scores) == set(students(lab))
    cells = auto_cells(lab)
    assert cells and all(scores["solution"][c][0] == mx for c, mx in cells.items()), scores["solution"]
    assert all(scores["blank"][c][0] == 0 for c in cells), scores["blank"]
    assert "cheat" in scores, f"tests/submissions/{lab}/cheat.py is missing"
    for student, lost in LOSES.get(lab, {"cheat": {"*"}}).items():
        expected = {c: (0.0 if "*" in lost or c in lost else mx) for c, mx in cells.items()}
        got = {c: scores[student][c][0] for c in cells}
        assert got == expected, f"{student}: expected {expected}, got {got}"
        assert {c: scores[student][c][1] for c in cells} == cells, f"{student}: max points were changed"


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_grading_leaves_submissions_untouched_and_returns_feedback_and_csv(lab, tmp_path_factory):
    g = graded(lab, tmp_path_factory)
    assert g["before"] == g["after"], "autograde or feedback changed a submitted file"
    root = g["course"].root
    for s in students(lab):
        assert (root / "feedback" / s / lab / f"{lab}.html").exists(), s
    rows = {r["student_id"]: r for r in g["csv"]}
    solution_total = sum(auto for auto, _ in g["scores"]["solution"].values() if auto)
    assert float(rows["solution"]["score"]) == solution_total > 0
    assert float(rows["blank"]["score"]) == 0


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_a_hanging_cell_is_stopped_by_the_cell_timeout(lab, tmp_path_factory):
    g = graded(lab, tmp_path_factory)
    if "crash_loop" not in g["scores"]:
        pytest.skip("this lab has no crash_loop submission")
    nb = nbformat.read(g["course"].root / "autograded" / "crash_loop" / lab / f"{lab}.ipynb", as_version=4)
    errors = [o.ename for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert "CellTimeoutError" in errors
    # every submission, the hanging one included, fits in the timeout plus normal grading time
    assert g["seconds"] < len(students(lab)) * 30 + CELL_TIMEOUT


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_attacks_on_the_grading_itself_fail_inside_the_sandbox(lab, tmp_path_factory):
    """tests/submissions/<lab>/attack_*.py: each attack class fails, and touches nobody else (scores: LOSES)."""
    attacks = [s for s in students(lab) if s.startswith("attack_")]
    if not attacks:
        pytest.skip("this lab has no attack submissions")
    g = graded(lab, tmp_path_factory)
    course = g["course"]
    # solutions/ is not there to read
    assert "no solutions/ folder" in outputs(course, "attack_solutions", "encoder_answer")
    # the daemon that rewrites gradebook.db is gone with the sandbox: nothing changes after autograde returns
    assert g["db"][0] == g["db"][1], "gradebook.db changed after autograde returned: a submission's process survived"
    assert sum(a or 0 for a, _ in g["scores"]["attack_gradebook"].values()) == 0
    # classmates' files: the whole submitted/ tree is byte-identical (also checked for every lab below)
    assert g["before"] == g["after"], "a submission changed a file in submitted/"
    # the network: only the sandbox's own loopback, and nothing reached the grader's listener
    net = outputs(course, "attack_network", "kl_answer")
    assert "NETWORK: blocked" in net and "INTERFACES: ['lo']" in net, net
    assert g["heard"] == [], f"the grading machine heard from a submission: {g['heard']}"
    # a fork bomb is stopped at the process limit; the reason reaches the student
    bomb = outputs(course, "attack_forkbomb", "decoder_answer")
    assert "KernelDied" in bomb and "processes" in bomb, bomb
    assert "not run" in outputs(course, "attack_forkbomb", "vae_test")
    # memory: one huge allocation fails in its own cell; children over the total limit are killed
    assert "30 GB refused" in outputs(course, "attack_memory", "kl_answer")
    killed = re.search(r"children killed: (\d+)", outputs(course, "attack_memory", "elbo_answer"))
    assert killed, outputs(course, "attack_memory", "elbo_answer")
    from course_grading.sandbox import Cgroups

    cgroups = Cgroups.create(1024**3, 64)
    if cgroups:  # the whole-sandbox memory limit exists only where cgroups are writable
        cgroups.remove()
        assert int(killed.group(1)) >= 1, "6 GB in six processes should pass the sandbox's 4 GB total"
    # no process of any submission outlived grading
    left = subprocess.run(["pgrep", "-af", str(course.root)], capture_output=True, text=True).stdout
    assert not left.strip(), f"processes of submissions still running:\n{left}"


def visible_text(path: Path) -> str:
    """The text a reader of an HTML file sees (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


def hidden_test_lines(lab: str) -> list[str]:
    """Lines of the solution's hidden tests that appear nowhere else (not in the release, not in an answer)."""
    nb = nbformat.read(gs.ROOT / "solutions" / lab / f"{lab}.ipynb", as_version=4)
    release = nbformat.read(gs.ROOT / "labs" / lab / f"{lab}.ipynb", as_version=4)
    elsewhere = {ln.strip() for c in release.cells for ln in c.source.splitlines()}
    hidden = []
    for cell in nb.cells:
        inside = False
        for ln in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in ln:
                inside = True
            elif "END HIDDEN TESTS" in ln:
                inside = False
            elif inside:
                hidden.append(ln.strip())
            else:
                elsewhere.add(ln.strip())
    return [ln for ln in hidden if len(ln) >= 12 and ln not in elsewhere]


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
def test_feedback_never_shows_a_hidden_test(lab, tmp_path_factory):
    """Students read feedback/: it says a hidden test failed and why, never the test's code."""
    g = graded(lab, tmp_path_factory)
    root, hidden = g["course"].root, hidden_test_lines(lab)
    assert hidden, f"{lab} has no hidden tests"
    # the hidden tests did run: they are in the autograded notebook, which students never get
    graded_nb = (root / "autograded" / "solution" / lab / f"{lab}.ipynb").read_text()
    assert any(json.dumps(ln)[1:-1] in graded_nb for ln in hidden)
    release = nbformat.read(gs.ROOT / "labs" / lab / f"{lab}.ipynb", as_version=4)
    visible = [ln.strip() for c in release.cells if c.metadata.get("nbgrader", {}).get("grade")
               for ln in c.source.splitlines() if len(ln.strip()) >= 12]
    for student in students(lab):
        text = visible_text(root / "feedback" / student / lab / f"{lab}.html")
        assert any(ln in text for ln in visible), "the text check itself is broken: no visible test line found"
        own = (root / "submitted" / student / lab / f"{lab}.ipynb").read_text()  # a student may write the same line
        shown = [ln for ln in hidden if ln in text and json.dumps(ln)[1:-1] not in own]
        assert not shown, f"feedback for {student} shows hidden test code: {shown[:3]}"
    # a failed hidden test still tells the student why
    cheat = visible_text(root / "feedback" / "cheat" / lab / f"{lab}.html")
    assert "instead of implementing it" in cheat


@pytest.mark.slow
def test_integrity_scan_flags_tricks_in_submissions_and_passes_honest_ones(tmp_path):
    lab = gs.LABS[0]
    release = nbformat.read(gs.ROOT / "labs" / lab / f"{lab}.ipynb", as_version=4)
    honest = gs.build_submission(lab, release, "solution")
    nbformat.write(honest, tmp_path / "honest.ipynb")
    tricky = gs.build_submission(lab, release, "solution")
    answer = next(c for c in tricky.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code")
    answer.source += (
        "\nimport torch\ntorch.testing.assert_close = lambda *a, **k: None\n"
        "class Always:\n    def __eq__(self, other):\n        return True\n"
        "exec('x = 1')\n"
    )
    (tmp_path / "submitted").mkdir()
    nbformat.write(tricky, tmp_path / "submitted" / "tricky.ipynb")
    run = lambda p: subprocess.run([sys.executable, "-m", "course_grading.integrity", str(p)],
                                   capture_output=True, text=True)
    clean = run(tmp_path / "honest.ipynb")
    assert clean.returncode == 0 and "0 findings" in clean.stdout, clean.stdout
    flagged = run(tmp_path / "submitted")
    assert flagged.returncode == 1
    for what in ("torch.testing.assert_close", "__eq__", "exec"):
        assert what in flagged.stdout, flagged.stdout


def test_every_lab_has_a_release_and_a_cheat_submission():
    for lab in gs.LABS:
        assert (gs.ROOT / "labs" / lab / f"{lab}.ipynb").exists(), f"run `make release` for {lab}"
        assert (gs.SUBMISSIONS / lab / "cheat.py").exists(), f"tests/submissions/{lab}/cheat.py is missing"
    assert gs.LABS, "no lab found in solutions/"


def test_prepared_submissions_name_real_cells():
    for lab in gs.LABS:
        release = nbformat.read(gs.ROOT / "labs" / lab / f"{lab}.ipynb", as_version=4)
        for s in students(lab):
            gs.build_submission(lab, release, s)  # raises on an unknown grade_id


@pytest.mark.slow
def test_a_course_with_one_submission_grades_it_fully(tmp_path):
    """One student alone (pass 3 reuses pass 1's folder); how long it takes is measured by `make bench`
    (``autograde.<lab>.jobs1_s_per_submission``), not here: a timed test only measures the CI machine's load."""
    lab = gs.LABS[0]
    course = gs.Course.create(tmp_path, lab)
    course.submit("solution")
    course.autograde()
    cells = auto_cells(lab)
    assert {c: course.scores()["solution"][c][0] for c in cells} == cells
