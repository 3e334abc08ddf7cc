"""Does forbid_reference catch every way of calling the reference, and the scan every trick?"""

import json

import pytest
import torch

from course_grading import integrity
from course_utils import grading, vae


def test_forbid_reference_catches_direct_aliased_and_subclassed_use():
    from course_utils.vae import kl_divergence as aliased

    mu = torch.zeros(2, 3)

    def honest(mu, logvar):
        return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum()

    class Wrapped(vae.Encoder):
        pass

    with grading.forbid_reference(vae.kl_divergence, vae.Encoder):
        assert honest(mu, mu).item() == 0.0
        with pytest.raises(grading.ReferenceCalledError, match="course_utils.vae.kl_divergence"):
            with grading.forbid_reference():
                vae.kl_divergence(mu, mu)
        with pytest.raises(RuntimeError, match="instead of implementing it"):
            aliased(mu, mu)
        with pytest.raises(RuntimeError, match=r"Encoder.__init__"):
            Wrapped(3, [4], 2)
    # restored afterwards
    assert vae.kl_divergence(mu, mu).item() == 0.0
    assert Wrapped(3, [4], 2)(torch.zeros(1, 3))[0].shape == (1, 2)


def test_forbid_reference_restores_after_an_error_and_rejects_other_objects():
    with pytest.raises(grading.ReferenceCalledError):
        with grading.forbid_reference(vae.reparameterize):
            vae.reparameterize(torch.zeros(1, 1), torch.zeros(1, 1))
    assert vae.reparameterize(torch.zeros(1, 1), torch.zeros(1, 1)).shape == (1, 1)
    with pytest.raises(TypeError, match="functions or classes"):
        with grading.forbid_reference(42):
            pass


@pytest.mark.parametrize(
    "source, expected",
    [
        ("class T(torch.Tensor):\n    def __eq__(self, other):\n        return True", "__eq__"),
        ("import torch\ntorch.testing.assert_close = lambda *a, **k: None", "torch.testing.assert_close"),
        ("import numpy as np\nnp.allclose = lambda *a, **k: True", "np.allclose"),
        ("from course_utils import vae as ref\nref.kl_divergence = print", "ref.kl_divergence"),
        ("exec('x = 1')", "exec"),
        ("y = eval('1 + 1')", "eval"),
        ("import math\nsetattr(math, 'isclose', lambda *a, **k: True)", "setattr"),
        ("__builtins__.abs = lambda x: 0", "__builtins__.abs"),
        ("import builtins\nbuiltins.exec('x = 1')", "exec"),
        ("code = compile('1', '<s>', 'eval')", "compile"),
    ],
)
def test_scan_flags_tricks(source, expected):
    found = integrity.scan_source(source)
    assert found and any(expected in what for _, what in found), found


def test_scan_leaves_honest_answers_alone():
    honest = (
        "import torch\nfrom torch import nn\n%matplotlib inline\n"
        "class Encoder(nn.Module):\n    def __init__(self, d):\n        super().__init__()\n"
        "        self.lin = nn.Linear(d, 2)\n    def forward(self, x):\n        return self.lin(x)\n"
        "def kl(mu, logvar):\n    out = 0.5 * (mu**2 + logvar.exp() - 1 - logvar).sum(1)\n"
        "    out += 0\n    return out\n"
        "model = Encoder(3)\nmodel.training = False\n"
        "import re\nTOKEN = re.compile(r'Cl|Br|[A-Za-z]')\npattern = TOKEN\nagain = pattern.compile if False else 0\n"
        "fast = torch.compile\nsteps = re.compile('x').findall('xx')\n"
    )
    assert integrity.scan_source(honest) == []


def test_scan_notebook_reads_only_answer_cells_and_main_reports(tmp_path, capsys):
    def cell(source, solution):
        meta = {"nbgrader": {"solution": solution, "grade": False, "grade_id": f"c{len(source)}", "locked": False}}
        return {"cell_type": "code", "metadata": meta, "source": source, "outputs": [], "execution_count": None}

    nb = {"cells": [cell("exec('1')", False), cell("eval('2')", True)], "metadata": {}, "nbformat": 4,
          "nbformat_minor": 5}
    path = tmp_path / "sub.ipynb"
    path.write_text(json.dumps(nb))
    findings = integrity.scan_notebook(path)
    assert len(findings) == 1 and "eval" in findings[0].what
    assert integrity.main([str(tmp_path)]) == 1
    assert "1 findings" in capsys.readouterr().out


def test_a_restored_test_cell_gets_the_same_id_every_time():
    """A deleted test cell is put back with an id fixed by its grade id (a random one would make the
    same submission sanitize differently on each pass, and the parallel grader re-run it)."""
    import types

    import nbformat

    from course_grading.overwrite import OverwriteCells

    source = types.SimpleNamespace(name="auroc_test", cell_type="code", locked=True, checksum="abc",
                                   source="assert True")
    cells = [OverwriteCells().missing_cell_transform(source, 2.0) for _ in range(2)]
    assert cells[0]["id"] == cells[1]["id"] == "restored-auroc_test"
    nb = nbformat.v4.new_notebook(cells=cells[:1])
    nbformat.validate(nb)
    odd = types.SimpleNamespace(**{**vars(source), "name": "a question/with spaces " + "x" * 80})
    cell = OverwriteCells().missing_cell_transform(odd, 1.0)
    assert len(cell["id"]) <= 64 and nbformat.validate(nbformat.v4.new_notebook(cells=[cell])) is None


def test_scan_finds_nothing_in_any_solution_or_honest_submission():
    """No false alarms: the reference answers and the honest (wrong but fair) prepared submissions."""
    import grading_course as gs

    root = gs.ROOT
    for nb in sorted((root / "solutions").glob("*/*.ipynb")):
        assert integrity.scan_notebook(nb) == [], nb
    honest = sorted((root / "tests" / "submissions").glob("*/partial.py")) + \
        sorted((root / "tests" / "submissions").glob("*/mistake_*.py"))
    assert honest
    for path in honest:
        _, cells = gs.parse_submission(path)
        for gid, _, source in cells:
            assert integrity.scan_source(source) == [], (path.name, gid)


def test_assert_close_names_a_catalogued_mistake_and_otherwise_shows_the_first_difference():
    right = torch.tensor([1.0, 2.0, 3.0])
    grading.assert_close("f", right + 1e-7, right)  # within tolerance: passes
    with pytest.raises(AssertionError, match=r"f: expected \[1, 2, 3\], got \[2, 4, 6\]; first difference at index 0: "
                       r"expected 1, got 2 \(3 of 3 values differ\)\. Likely mistake: doubled\."):
        grading.assert_close("f", 2 * right, right, mistakes={"doubled": 2 * right, "halved": right / 2})
    with pytest.raises(AssertionError, match=r"Likely mistake: A; or: B\."):  # two mistakes, same value here
        grading.assert_close("f", 2 * right, right, mistakes={"A": 2 * right, "B": right * 2})
    with pytest.raises(AssertionError, match=r"first difference at index 1: expected 2, got 2\.5 \(1 of 3 values"):
        grading.assert_close("f", torch.tensor([1.0, 2.5, 3.0]), right, mistakes={"doubled": 2 * right})
    with pytest.raises(AssertionError, match=r"expected 1\.0000001, got 1\.0000003"):  # enough digits to differ
        grading.assert_close("kl", 1.0000003, 1.0000001, atol=0, rtol=1e-8)
    with pytest.raises(AssertionError, match=r"expected shape \(3,\), got \(4,\)\. Likely mistake: summed over dim 0"):
        grading.assert_close("f", torch.zeros(4), right, mistakes={"summed over dim 0": torch.zeros(4)})
    with pytest.raises(AssertionError, match=r"Likely mistake: no mask"):  # an inf that a mistake gives is named
        grading.assert_close("d", torch.tensor([1.0, float("inf")]), torch.tensor([1.0, 2.0]),
                             mistakes={"no mask": torch.tensor([1.0, float("inf")])})
    with pytest.raises(AssertionError, match=r"non-finite values"):
        grading.assert_close("d", torch.tensor([1.0, float("nan")]), torch.tensor([1.0, 2.0]))
    with pytest.raises(AssertionError, match=r"hint text"):  # a mistake equal to the answer is never blamed
        grading.assert_close("f", 3 * right, right, "hint text", mistakes={"same as right": right})


def test_assert_same_compares_exact_values_and_names_a_matching_mistake():
    """Exact values (token lists, tuples, tensors of ids, booleans, "raised ValueError"): equal passes;
    a value equal to a catalogued mistake's is named; anything else shows both values and the hint."""
    grading.assert_same("encode", torch.tensor([1, 5, 2]), [1, 5, 2])  # a tensor equals its list of ids
    grading.assert_same("can_end", 1, True)  # an int 0/1 where a boolean is expected
    with pytest.raises(AssertionError, match=r"tokenize\('CCl'\): expected \['C', 'Cl'\], got \['C', 'C', 'l'\]\. "
                                             r"Likely mistake: characters\."):
        grading.assert_same("tokenize('CCl')", ("C", "C", "l"), ["C", "Cl"],
                            mistakes={"characters": ["C", "C", "l"], "right": ["C", "Cl"]})
    with pytest.raises(AssertionError, match=r"expected ValueError raised, got \['X'\]\. raise on unknown tokens"):
        grading.assert_same("tokenize('X')", grading.outcome(lambda s: list(s), "X"), grading.RAISED,
                            "raise on unknown tokens")
    assert grading.outcome(int, "not a number") == grading.RAISED
    with pytest.raises(TypeError):  # only ValueError becomes a value; other errors propagate
        grading.outcome(len, 3)
