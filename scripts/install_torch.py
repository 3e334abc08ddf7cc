"""Install PyTorch 2.13.0 into this Python (`make setup` runs it with .venv/bin/python).

It runs before anything else is installed, so it uses the standard library only.

Why an order of attempts: on Linux the CPU-only wheel carries the local version "+cpu"
(torch==2.13.0+cpu). It is on PyTorch's own CPU index, not on PyPI, whose Linux torch is the
CUDA build (several GB with its nvidia-* packages; it runs on CPU too). A laptop should get the
small CPU build, yet `make setup` must also work on a machine that reaches PyPI only. So, unless
torch 2.13.0 is already installed (then nothing is done, and re-runs are quick):

  Linux
    1. torch==2.13.0+cpu from the indexes pip is configured with (pip.conf, PIP_* variables);
       course machines keep the wheel there.
    2. torch==2.13.0+cpu with --extra-index-url PyTorch's CPU index (env TORCH_CPU_INDEX, default
       https://download.pytorch.org/whl/cpu), with short timeouts so an unreachable index fails fast.
    3. torch==2.13.0 from the default index (PyPI): the CUDA build, which also runs on CPU.
  macOS, Windows
    1. torch==2.13.0 from the default index: PyPI's wheels there are CPU builds.

Each attempt prints one line; pip itself stays quiet unless every attempt fails, and then its
last lines, the manual command and the README section "Installing PyTorch" are printed.

An explicit choice replaces the order: `--spec`/`--index` (make setup TORCH_SPEC=... TORCH_INDEX=...)
or the environment variables TORCH_SPEC/TORCH_INDEX. Exactly that is installed, or the script
exits non-zero saying what was tried. For CUDA:

  make setup TORCH_SPEC=torch==2.13.0 TORCH_INDEX=https://download.pytorch.org/whl/cu128
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass, field

VERSION = "2.13.0"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
README = 'README.md, section "Installing PyTorch"'
FAST = ["--timeout", "15", "--retries", "1"]  # an unreachable index fails within 30 s, not minutes
PIP_TAIL = 12  # lines of pip's stderr shown when everything failed
UNREACHABLE = ("NewConnectionError", "Could not fetch URL", "ConnectTimeout", "ProxyError", "SSLError", "timed out")


@dataclass
class Attempt:
    """One `pip install`: what it asks for, where from, and the line that announces it."""

    spec: str
    where: str  # in words, for messages
    pip_args: list[str] = field(default_factory=list)
    label: str = ""  # after the spec, e.g. "(CPU build)"
    note: str = ""  # after where it comes from

    def command(self, *extra: str) -> list[str]:
        return [sys.executable, "-m", "pip", "install", *extra, *self.pip_args, self.spec]

    def announce(self) -> str:
        """The attempt in words, for its one line."""
        return " ".join(filter(None, [self.spec, self.label, "from", self.where + self.note, "..."]))


def installed_version() -> str | None:
    """The version of torch installed in this Python, or None (read from its metadata, not imported)."""
    importlib.invalidate_caches()
    if importlib.util.find_spec("torch") is None:
        return None
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return None


def public(version: str) -> str:
    """2.13.0+cpu -> 2.13.0 (the part before PEP 440's local label)."""
    return version.split("+", 1)[0]


def default_spec() -> str:
    return f"torch=={VERSION}+cpu" if platform.system() == "Linux" else f"torch=={VERSION}"


def fallback_attempts(cpu_index: str) -> list[Attempt]:
    """The order described at the top of this file, for this platform."""
    if platform.system() != "Linux":
        return [Attempt(f"torch=={VERSION}", "the default index", note=" (PyPI's torch here is a CPU build)")]
    return [
        Attempt(f"torch=={VERSION}+cpu", "pip's configured indexes", label="(CPU build)"),
        Attempt(f"torch=={VERSION}+cpu", f"PyTorch's CPU index {cpu_index}",
                ["--extra-index-url", cpu_index, *FAST], label="(CPU build)"),
        Attempt(f"torch=={VERSION}", "the default index",
                note=": on Linux PyPI's torch is the CUDA build, several GB, and it runs on CPU too"),
    ]


def pip(attempt: Attempt) -> subprocess.CompletedProcess[str]:
    return subprocess.run(attempt.command("--quiet"), capture_output=True, text=True)


def why(result: subprocess.CompletedProcess[str]) -> str:
    """One short phrase for a failed attempt, from pip's stderr."""
    err = result.stderr
    missing = re.findall(r"No matching distribution found for (\S+)", err)
    if missing and missing[-1].lower().startswith("torch"):
        reason = "not available there"
    elif missing:
        reason = f"{missing[-1]} (needed by torch) not available there"
    else:
        lines = [line.strip() for line in err.splitlines() if line.strip()]
        reason = f"failed ({lines[-1][:160] if lines else f'pip exit status {result.returncode}'})"
    if any(sign in err for sign in UNREACHABLE):
        reason += " (an index could not be reached: network or proxy?)"
    return reason


def report_failure(tried: list[Attempt], last: subprocess.CompletedProcess[str], fix: list[str]) -> None:
    err = sys.stderr
    print(f"torch: could not install PyTorch {VERSION}. Tried, in this order:", file=err)
    for i, attempt in enumerate(tried, 1):
        print(f"  {i}. {attempt.spec} from {attempt.where}", file=err)
    tail = [line for line in last.stderr.splitlines() if line.strip()][-PIP_TAIL:]
    if tail:
        print("pip said (last attempt):", file=err)
        for line in tail:
            print(f"  {line}", file=err)
    print("Fix:", file=err)
    for line in fix:
        print(f"  {line}", file=err)
    print(f"More: {README}.", file=err)


def install_explicit(spec: str, index: str) -> int:
    """Install exactly what the user asked for; no fallback."""
    attempt = Attempt(spec, f"the default index plus {index}" if index else "pip's configured indexes",
                      ["--extra-index-url", index] if index else [])
    print(f"torch: installing {spec} from {attempt.where} (TORCH_SPEC/TORCH_INDEX given) ...", flush=True)
    result = pip(attempt)
    if result.returncode != 0:
        report_failure([attempt], result, [
            "check TORCH_SPEC and TORCH_INDEX (and the network; behind a proxy: export HTTPS_PROXY=...).",
            "For CUDA both must be given and the index must have that version, e.g.",
            f"  make setup TORCH_SPEC=torch=={VERSION} TORCH_INDEX=https://download.pytorch.org/whl/cu128",
            "Or leave both out and make setup picks a build itself. What was run, to try by hand:",
            "  " + " ".join(attempt.command()),
        ])
        return 1
    print(f"torch: {installed_version()} installed", flush=True)
    return 0


def install_fallback(cpu_index: str) -> int:
    """Try the attempts in order; fail only when none is left."""
    have = installed_version()
    if have is not None and public(have) == VERSION:
        print(f"torch: {have} already installed in {sys.prefix}; nothing to do", flush=True)
        return 0
    attempts = fallback_attempts(cpu_index)
    result: subprocess.CompletedProcess[str] | None = None
    for i, attempt in enumerate(attempts):
        lead = "torch: trying" if result is None else f"torch: {why(result)}; trying"
        print(f"{lead} {attempt.announce()}", flush=True)
        result = pip(attempt)
        if result.returncode == 0:
            print(f"torch: {installed_version()} installed (attempt {i + 1} of {len(attempts)})", flush=True)
            return 0
    assert result is not None
    print(f"torch: {why(result)}", file=sys.stderr)
    by_hand = [f"  {sys.executable} -m pip install torch=={VERSION}"]
    if platform.system() == "Linux":
        by_hand = [f"  {sys.executable} -m pip install torch=={VERSION}+cpu --extra-index-url {cpu_index}",
                   f"  (or PyPI's CUDA build: {by_hand[0].strip()})"]
    report_failure(attempts, result, [
        "check the network: can this machine reach PyPI (and download.pytorch.org)? Behind a proxy set",
        "  export HTTPS_PROXY=http://proxy.example:3128   (pip reads it), then run make setup again;",
        "or install PyTorch by hand into this environment, then run make setup again:",
        *by_hand,
    ])
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--spec", default=os.environ.get("TORCH_SPEC", ""),
                        help="exactly this requirement, e.g. torch==2.13.0 (env TORCH_SPEC)")
    parser.add_argument("--index", default=os.environ.get("TORCH_INDEX", ""),
                        help="an extra index to install it from, e.g. a CUDA index (env TORCH_INDEX)")
    args = parser.parse_args(argv)
    if args.spec or args.index:
        return install_explicit(args.spec or default_spec(), args.index)
    return install_fallback(os.environ.get("TORCH_CPU_INDEX") or CPU_INDEX)


if __name__ == "__main__":
    sys.exit(main())
