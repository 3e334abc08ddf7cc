"""The catalogue of classic mistakes (issue #19): each prepared mistake is caught where its header
promises (visible or hidden tests, that test cell first) and, where promised, named in the message.

One kernel per lab runs the solution, then each mistake (``course_grading.mistakes``); the counts
per lab are in ``make bench`` (``mistakes.<lab>.*``).
"""

from __future__ import annotations

import os

import grading_course as gs
import pytest

from course_grading import mistakes

LABS = sorted(p.name for p in (gs.ROOT / "tests" / "submissions").iterdir() if list(p.glob("mistake_*.py")))


def test_every_mistake_file_reads_and_names_real_cells():
    assert "lab01_vae_building_blocks" in LABS
    for lab in LABS:
        for path in sorted((gs.ROOT / "tests" / "submissions" / lab).glob("mistake_*.py")):
            m = mistakes.Mistake.read(path)
            assert m.summary and m.edits, path
            base, edits = gs.parse_submission(path)  # the autograde pipeline reads the same file
            assert base == "solution" and [g for g, _, _ in edits] == [g for g, _ in m.edits], path


def test_a_malformed_mistake_file_is_refused_with_its_name(tmp_path):
    bad = tmp_path / "mistake_x.py"
    bad.write_text("# base: solution\n# mistake: something\n# caught: somewhere kl_test\n# %% kl_answer\npass\n")
    with pytest.raises(ValueError, match=r"mistake_x.py: '# caught:' takes 'visible <test cell>'"):
        mistakes.Mistake.read(bad)
    bad.write_text("# base: solution\n# caught: visible kl_test\n")
    with pytest.raises(ValueError, match=r"has '# mistake: \.\.\.'"):
        mistakes.Mistake.read(bad)


@pytest.mark.slow
@pytest.mark.parametrize("lab", LABS)
def test_each_catalogued_mistake_is_caught_where_promised_and_named(lab):
    lines: list[str] = []
    before = dict(os.environ)
    outcomes = mistakes.run_lab(lab, log=lines.append)
    # the grading budgets are the kernel's, not this process's: a later test in this worker that trains
    # must not think it is being graded (CI: two test_training failures came from that leak)
    assert dict(os.environ) == before
    assert outcomes, lab
    wrong = [o for o in outcomes if not o.ok]
    assert not wrong, "\n".join(lines)
    summary = mistakes.summarize(outcomes)
    assert summary["missed"] == 0


@pytest.mark.slow
def test_autograde_scores_mistakes_below_the_solution_and_feedback_names_them(tmp_path):
    """The same files through the real pipeline (make autograde, sandboxed, then feedback)."""
    lab = "lab01_vae_building_blocks"
    course = gs.Course.create(tmp_path, lab)
    picked = {"mistake_sigma_variance": ("reparameterize_test", "the variance where the standard deviation goes"),
              "mistake_kl_mean_latent": ("kl_test", "you averaged over the latent dimensions"),
              "mistake_vae_decodes_mu": ("vae_test", "decode a sample z = reparameterize")}
    for name in ["solution", *picked]:
        course.submit(name)
    course.autograde("--Execute.timeout=120", jobs=2)
    scores = course.scores()
    full = {c: a for c, (a, _) in scores["solution"].items() if a is not None}
    for name, (cell, phrase) in picked.items():
        got = {c: a for c, (a, _) in scores[name].items() if a is not None}
        assert got[cell] == 0 < full[cell], (name, got)
        assert sum(got.values()) < sum(full.values()), (name, got)
        page = (tmp_path / "feedback" / name / lab / f"{lab}.html").read_text()
        assert phrase in page, f"{name}: the feedback must name the mistake"
