"""Collect (course_grading/collect.py): every file under submitted/ is graded or named with its fix."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from course_grading.collect import UnknownLab, collect, resolve_lab

LAB1, LAB3 = "lab01_vae_building_blocks", "lab03_conditional_vae"
NOTEBOOK = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


@pytest.fixture
def course(tmp_path: Path) -> Path:
    for lab in (LAB1, "lab02_smiles_vae", LAB3):
        (tmp_path / "solutions" / lab).mkdir(parents=True)
        (tmp_path / "solutions" / lab / f"{lab}.ipynb").write_text(NOTEBOOK)

    def put(rel: str, text: str = NOTEBOOK) -> Path:
        path = tmp_path / "submitted" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    put(f"ana/{LAB1}/{LAB1}.ipynb")
    put(f"ana/{LAB1}/data.csv", "x\n1\n")  # a data file beside the notebook is fine
    put(f"ben/{LAB1}/{LAB1}.ipynb")
    put(f"ben/{LAB3}/{LAB3}.ipynb")
    put(f"dan/{LAB1}_vae.ipynb")  # one folder too shallow
    put(f"fay/{LAB1}/fay_lab01.ipynb")  # the Downloads name
    put(f"gus/{LAB1}/work/{LAB1}.ipynb")  # one folder too deep
    put(f"hal/{LAB1}/{LAB1}.ipynb", '{"cells": [')  # a broken download
    put("stray_lab01.ipynb")  # no student folder at all
    put(f"kim/lab1/{LAB1}.ipynb")  # a lab folder that is no lab
    (tmp_path / "submitted" / "ivy" / LAB1).mkdir(parents=True)
    link = tmp_path / "submitted" / "ivy" / LAB1 / f"{LAB1}.ipynb"  # a link to the instructor's answers
    link.symlink_to(tmp_path / "solutions" / LAB1 / f"{LAB1}.ipynb")
    put(f"ana/{LAB1}/.ipynb_checkpoints/{LAB1}-checkpoint.ipynb")  # JupyterLab's autosave: ignored
    return tmp_path


def test_short_lab_names_resolve_to_the_one_lab_they_start(course):
    assert resolve_lab("lab01", course) == LAB1
    assert resolve_lab(LAB3, course) == LAB3
    assert resolve_lab("*", course) == "*"
    with pytest.raises(UnknownLab, match="is not a lab of this course; the labs are: lab01_vae_building_blocks"):
        resolve_lab("lab09", course)
    with pytest.raises(UnknownLab, match="matches several labs"):
        resolve_lab("lab0", course)


def test_every_misplaced_file_is_named_with_the_path_it_should_have(course):
    found = collect(course, LAB1)
    assert found.gradable == {LAB1: ["ana", "ben"]}
    why = {p.path: p.why for p in found.problems}
    expected = f"{LAB1}/{LAB1}.ipynb"
    assert why[f"submitted/dan/{LAB1}_vae.ipynb"] == f"one folder too shallow; move it to submitted/dan/{expected}"
    assert why[f"submitted/fay/{LAB1}/fay_lab01.ipynb"] == (
        f"the notebook must be named {LAB1}.ipynb; rename it to submitted/fay/{expected}")
    assert why[f"submitted/gus/{LAB1}/work/{LAB1}.ipynb"].startswith("1 folder(s) too deep; move it to submitted/gus/")
    assert "not a notebook (JSON error at line 1)" in why[f"submitted/hal/{LAB1}/{LAB1}.ipynb"]
    assert "symbolic link" in why[f"submitted/ivy/{LAB1}/{LAB1}.ipynb"]
    assert why["submitted/stray_lab01.ipynb"].endswith(f"move it to submitted/<student>/{expected}")
    assert "'lab1' is not a lab of this course" in why[f"submitted/kim/lab1/{LAB1}.ipynb"]
    assert len(found.problems) == 7, found.problems
    # students with a folder for the lab but nothing gradable are kept out of nbgrader's run
    assert found.excluded(LAB1) == ["fay", "gus", "hal", "ivy"]


def test_other_labs_submissions_are_not_problems_of_this_lab(course):
    found = collect(course, LAB3)
    assert found.gradable == {LAB3: ["ben"]}
    assert not any(LAB3 in p.path for p in found.problems)


def test_the_command_line_lists_problems_and_exits_3(course):
    run = subprocess.run([sys.executable, "-m", "course_grading.collect", "lab01"], cwd=course,
                         capture_output=True, text=True)
    assert run.returncode == 3
    assert f"NOT GRADED submitted/dan/{LAB1}_vae.ipynb: one folder too shallow" in run.stdout
    assert f"{LAB1}: 2 submissions to grade" in run.stdout
    bad = subprocess.run([sys.executable, "-m", "course_grading.collect", "resolve", "lab99"], cwd=course,
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "the labs are:" in bad.stderr
