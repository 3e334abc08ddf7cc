"""`make setup` works from PyPI alone: scripts/install_torch.py against real pip and local package indexes.

No pip is mocked. Each test gets a throwaway venv (pip from ensurepip) and PEP 503 "simple" indexes in
tmp folders (file:// URLs) holding tiny fake `torch` wheels; this machine's pip configuration is kept out.
"""

from __future__ import annotations

import base64
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "install_torch.py"
CPU, PLAIN = "2.13.0+cpu", "2.13.0"

pytestmark = [
    pytest.mark.slow,  # about 35 s: a venv with pip, then one real pip run per attempt
    pytest.mark.skipif(platform.system() != "Linux", reason="the fallback order tested here is Linux's"),
]


def _wheel(folder: Path, version: str) -> Path:
    """A valid, installable wheel named torch whose __version__ is `version`."""
    info = f"torch-{version}.dist-info"
    files = {
        "torch/__init__.py": f'__version__ = "{version}"\n',
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test_setup\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    path = folder / f"torch-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def _index(root: Path, *versions: str) -> str:
    """A PEP 503 simple index at root/simple holding torch `versions` (none: an index without torch)."""
    simple = root / "simple"
    (simple / "torch").mkdir(parents=True)
    (simple / "index.html").write_text('<html><body><a href="torch/">torch</a></body></html>\n' if versions else "")
    links = "".join(f'<a href="{quote(_wheel(simple / "torch", v).name)}">x</a>\n' for v in versions)
    (simple / "torch" / "index.html").write_text(f"<html><body>\n{links}</body></html>\n")
    return simple.as_uri()


@pytest.fixture(scope="module")
def template_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One venv with pip, made once; each test works on its own copy."""
    venv = tmp_path_factory.mktemp("template") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    return venv


@pytest.fixture
def venv(template_venv: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "venv"
    shutil.copytree(template_venv, copy, symlinks=True)
    return copy


def _env(default_index: str, cpu_index: str, **extra: str) -> dict[str, str]:
    """The child's environment: no pip.conf, no PIP_* or TORCH_* from this machine, only the given indexes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "TORCH_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=default_index, PIP_DISABLE_PIP_VERSION_CHECK="1",
               PIP_NO_INPUT="1", PIP_NO_CACHE_DIR="1", TORCH_CPU_INDEX=cpu_index, **extra)
    return env


def _run(venv: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "python"), str(SCRIPT), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _installed(venv: Path) -> str:
    out = subprocess.run([str(venv / "bin" / "python"), "-c", "import torch; print(torch.__version__)"],
                         capture_output=True, text=True, timeout=60, cwd=venv)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def _has_torch(venv: Path) -> bool:
    out = subprocess.run([str(venv / "bin" / "python"), "-c", "import torch"], capture_output=True, cwd=venv)
    return out.returncode == 0


def _attempts(out: str) -> list[str]:
    return [line for line in out.splitlines() if "trying" in line]


@pytest.mark.parametrize("cpu_index", ["empty", "unreachable"])
def test_pypi_only_falls_back_to_plain_torch(venv: Path, tmp_path: Path, cpu_index: str):
    """(i) PyPI has only 2.13.0, PyTorch's CPU index has nothing or cannot be reached: 2.13.0 after three tries."""
    default = _index(tmp_path / "pypi", PLAIN)
    cpu = _index(tmp_path / "cpu") if cpu_index == "empty" else "http://127.0.0.1:9/simple"  # port 9: refused
    out = _run(venv, _env(default, cpu))
    assert out.returncode == 0, out.stdout + out.stderr
    tries = _attempts(out.stdout)
    assert len(tries) == 3, out.stdout
    assert tries[0].startswith(f"torch: trying torch=={CPU} (CPU build)")
    assert tries[1].startswith("torch: not available there; trying") and "PyTorch's CPU index" in tries[1]
    assert cpu in tries[1]
    assert f"torch=={PLAIN}" in tries[2] and "CUDA build" in tries[2] and "runs on CPU too" in tries[2]
    if cpu_index == "empty":
        assert tries[2].startswith("torch: not available there; trying")
    else:
        assert tries[2].startswith("torch: not available there (an index could not be reached: network or proxy?)")
    assert f"torch: {PLAIN} installed (attempt 3 of 3)" in out.stdout
    assert _installed(venv) == PLAIN


def test_cpu_index_gives_the_cpu_build(venv: Path, tmp_path: Path):
    """(ii) PyPI has 2.13.0, the CPU index has 2.13.0+cpu: the CPU build, on the second attempt."""
    out = _run(venv, _env(_index(tmp_path / "pypi", PLAIN), _index(tmp_path / "cpu", CPU)))
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(_attempts(out.stdout)) == 2, out.stdout
    assert f"torch: {CPU} installed (attempt 2 of 3)" in out.stdout
    assert _installed(venv) == CPU


def test_configured_index_with_the_cpu_build_is_used_first(venv: Path, tmp_path: Path):
    """(iii) pip's own index already has +cpu (the course machines): installed on the first attempt."""
    out = _run(venv, _env(_index(tmp_path / "pypi", PLAIN, CPU), _index(tmp_path / "cpu")))
    assert out.returncode == 0, out.stdout + out.stderr
    assert _attempts(out.stdout) == [f"torch: trying torch=={CPU} (CPU build) from pip's configured indexes ..."]
    assert f"torch: {CPU} installed (attempt 1 of 3)" in out.stdout
    assert _installed(venv) == CPU


def test_nothing_anywhere_fails_naming_what_was_tried_and_the_readme_section(venv: Path, tmp_path: Path):
    """(iv) No torch on any index: non-zero exit, every attempt listed, pip's words, the fix and the README section."""
    cpu = _index(tmp_path / "cpu")
    out = _run(venv, _env(_index(tmp_path / "pypi"), cpu))
    assert out.returncode != 0
    assert len(_attempts(out.stdout)) == 3, out.stdout
    err = out.stderr
    assert "could not install PyTorch 2.13.0" in err
    assert f"1. torch=={CPU} from pip's configured indexes" in err
    assert f"2. torch=={CPU} from PyTorch's CPU index {cpu}" in err
    assert f"3. torch=={PLAIN} from the default index" in err
    assert "No matching distribution found for torch" in err  # pip's own last lines
    assert "HTTPS_PROXY" in err and f"-m pip install torch=={CPU} --extra-index-url {cpu}" in err
    section = re.search(r'README\.md, section "([^"]+)"', err)
    assert section, err
    assert f"### {section.group(1)}\n" in (ROOT / "README.md").read_text()
    assert not _has_torch(venv)


def test_already_installed_calls_no_pip(venv: Path, tmp_path: Path):
    """(v) torch 2.13.0 already there: nothing to do, fast; pip is removed first, so any pip call would fail."""
    env = _env(_index(tmp_path / "pypi", CPU), _index(tmp_path / "cpu"))
    py = str(venv / "bin" / "python")
    subprocess.run([py, "-m", "pip", "install", "--quiet", f"torch=={CPU}"], env=env, check=True, timeout=300)
    subprocess.run([py, "-m", "pip", "uninstall", "--quiet", "--yes", "pip"], env=env, check=True, timeout=300)
    start = time.perf_counter()
    out = _run(venv, env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert time.perf_counter() - start < 5
    assert out.stdout.startswith(f"torch: {CPU} already installed in ") and "nothing to do" in out.stdout
    assert not _attempts(out.stdout)


def test_explicit_spec_and_index_are_installed_exactly(venv: Path, tmp_path: Path):
    """TORCH_SPEC/TORCH_INDEX (make setup TORCH_SPEC=... TORCH_INDEX=...): that install, one attempt."""
    extra = _index(tmp_path / "cuda", "2.13.0+cu128")
    out = _run(venv, _env(_index(tmp_path / "pypi", PLAIN), _index(tmp_path / "cpu", CPU)),
               "--spec", f"torch=={PLAIN}", "--index", extra)
    assert out.returncode == 0, out.stdout + out.stderr
    assert not _attempts(out.stdout)
    assert "torch: 2.13.0+cu128 installed" in out.stdout
    assert _installed(venv) == "2.13.0+cu128"


def test_explicit_spec_that_fails_does_not_fall_back(venv: Path, tmp_path: Path):
    """An explicit choice that cannot be installed: non-zero, what was tried and the fix, no other build tried."""
    env = _env(_index(tmp_path / "pypi", PLAIN), _index(tmp_path / "cpu", CPU), TORCH_SPEC="torch==2.13.0+cu999")
    out = _run(venv, env)
    assert out.returncode != 0
    assert not _attempts(out.stdout)
    assert "1. torch==2.13.0+cu999 from pip's configured indexes" in out.stderr
    assert "check TORCH_SPEC and TORCH_INDEX" in out.stderr and 'README.md, section "Installing PyTorch"' in out.stderr
    assert not _has_torch(venv)
