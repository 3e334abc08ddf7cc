"""The grading pipeline, run for real on every lab: release, validate, autograde, feedback, export.

Every lab in solutions/ joins these tests automatically. Prepared submissions are in
tests/submissions/<lab>/ (format in its README); the scores each must get are below.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import grading_sandbox as gs  # noqa: E402

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
    return ["solution", "blank", *sorted(p.stem for p in (gs.SUBMISSIONS / lab).glob("*.py"))]


_GRADED: dict[str, dict] = {}


def graded(lab: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the whole pipeline once per lab (per test worker) and keep what the tests check."""
    if lab not in _GRADED:
        course = gs.Course.create(tmp_path_factory.mktemp(lab), lab)
        for s in students(lab):
            course.submit(s)
        before = gs.tree_digest(course.root / "submitted")
        seconds = course.autograde(f"--Execute.timeout={CELL_TIMEOUT}")
        course.feedback()
        _GRADED[lab] = {
            "course": course,
            "seconds": seconds,
            "before": before,
            "after": gs.tree_digest(course.root / "submitted"),
            "scores": course.scores(),
            "csv": course.export_csv(),
        }
    return _GRADED[lab]


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


@pytest.mark.slow
@pytest.mark.parametrize("lab", lab_params())
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
    run = lambda p: subprocess.run([sys.executable, "-m", "course_utils.grading", str(p)],
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
def test_autograding_one_submission_takes_under_30_seconds(tmp_path):
    """Autograding one solution submission of the first lab takes under 30 s (NBGRADER_EXECUTION budgets)."""
    lab = gs.LABS[0]
    course = gs.Course.create(tmp_path, lab)
    course.submit("solution")
    start = time.perf_counter()
    course.autograde()
    assert time.perf_counter() - start < 30
