"""Self-study check (`make check`): a per-question report on a student's notebook, which it never changes."""

import hashlib
import subprocess

import grading_course as gs
import nbformat
import pytest

from course_grading import selfcheck

LAB = "lab06_anomaly_detection"


def test_find_notebook_by_prefix_folder_and_path_and_a_clear_error():
    nb = selfcheck.find_notebook("lab06")
    assert nb == gs.ROOT / "labs" / LAB / f"{LAB}.ipynb"
    assert selfcheck.find_notebook(str(nb.parent)) == nb and selfcheck.find_notebook(str(nb)) == nb
    with pytest.raises(SystemExit, match="labs are: lab01_vae_building_blocks"):
        selfcheck.find_notebook("lab99")


@pytest.mark.slow
def test_make_check_reports_each_question_of_a_broken_submission_and_leaves_it_untouched(tmp_path):
    release = nbformat.read(gs.ROOT / "labs" / LAB / f"{LAB}.ipynb", as_version=4)
    nb = gs.build_submission(LAB, release, "partial")  # the threshold is the plain quantile
    for cell in nb.cells:  # and one question left as released
        if gs.grade_id(cell) == "auroc_answer":
            cell.source = next(c.source for c in release.cells if gs.grade_id(c) == "auroc_answer")
    path = tmp_path / "mine.ipynb"
    nbformat.write(nb, path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    out = subprocess.run(["make", "--no-print-directory", "check", f"NB={path}"], cwd=gs.ROOT,
                         capture_output=True, text=True, timeout=600)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before, "the check must not change the student's file"
    assert out.returncode != 0, "a failing visible test gives a non-zero exit status"
    lines = {ln.split()[1]: ln for ln in out.stdout.splitlines() if ln.startswith("  ") and len(ln.split()) > 1}
    for passing in ["nb_test", "loss_test", "score_test"]:
        assert lines[passing].split()[0] == "PASS", out.stdout
    assert lines["threshold_test"].split()[0] == "FAIL" and "18th smallest" in lines["threshold_test"], out.stdout
    assert lines["auroc_test"].split()[0] == "TODO", out.stdout
    assert lines["reflection"].split()[0] == "HAND", out.stdout
    assert "3 of 5 tested questions pass" in out.stdout


@pytest.mark.slow
def test_check_passes_the_solution_answers_inside_the_grading_sandbox_when_asked(tmp_path, monkeypatch, capsys):
    release = nbformat.read(gs.ROOT / "labs" / LAB / f"{LAB}.ipynb", as_version=4)
    path = tmp_path / f"{LAB}.ipynb"
    nbformat.write(gs.build_submission(LAB, release, "solution"), path)
    monkeypatch.setenv("SANDBOX", "1")  # `SANDBOX=1 make check ...`: run as the autograder will
    assert selfcheck.main([str(path)]) == 0
    assert "sandbox: bubblewrap, no network" in capsys.readouterr().out


def test_hidden_tests_need_the_solutions_and_say_so(tmp_path, monkeypatch):
    monkeypatch.setattr(selfcheck, "ROOT", tmp_path)
    nb = nbformat.v4.new_notebook()
    with pytest.raises(SystemExit, match=r"HIDDEN=1 needs the instructor's notebook solutions/lab01_x/lab01_x.ipynb"):
        selfcheck.with_hidden_tests(nb, "lab01_x")


@pytest.mark.slow
def test_make_check_hidden_runs_the_hidden_tests_a_visible_check_misses(tmp_path):
    """A mistake only the hidden tests catch (KL's default reduction): PASS without HIDDEN=1, FAIL with it."""
    lab = "lab01_vae_building_blocks"
    release = nbformat.read(gs.ROOT / "labs" / lab / f"{lab}.ipynb", as_version=4)
    nb = gs.build_submission(lab, release, "mistake_kl_default_mean")
    path = tmp_path / "mine.ipynb"
    nbformat.write(nb, path)
    runs = {}
    for hidden in ("", "1"):
        out = subprocess.run(["make", "--no-print-directory", "check", f"NB={path}", f"HIDDEN={hidden}"], cwd=gs.ROOT,
                             capture_output=True, text=True, timeout=600)
        runs[hidden] = out
        lines = {ln.split()[1]: ln for ln in out.stdout.splitlines() if ln.startswith("  ") and len(ln.split()) > 1}
        assert lines["kl_test"].split()[0] == ("FAIL" if hidden else "PASS"), out.stdout
    assert runs[""].returncode == 0 and runs["1"].returncode != 0
    assert "default reduction is 'sum'" in runs["1"].stdout and "Hidden tests included" in runs["1"].stdout
