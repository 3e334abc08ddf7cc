"""`make mutation`: the mutation score of each course_utils reference, on its own fast unit tests.

For each module M (course_utils/M.py with a tests/test_M.py), mutmut makes small bugs in M (an operator
flipped, a constant changed, an argument dropped...) and runs the fast tests of tests/test_M.py
(``-m "not slow"``) against each; a mutant is *killed* when a test fails. One mutmut run per module, in
mutation/work/M/ (git-ignored), with the settings of ``[tool.mutmut]`` in pyproject.toml and mutation
narrowed to M and the tests to tests/test_M.py: a module's score says how well its own tests pin it,
whatever else runs.

    python mutation/run.py                       # every module with a test file
    python mutation/run.py --modules vae,crystal  # only these
    python mutation/run.py --json out.json        # also write the numbers (scripts/bench.py)

    python mutation/run.py --no-run               # score the last run again (after editing equivalent.md)

score = detected / (detected + survived + no tests), detected = killed or timed out. Left out of the score:
mutants listed in mutation/equivalent.md (they behave exactly as the original: no test can kill them), and
those of NOT_SCORED below: the experiment drivers ``evaluate_*`` and ``latent_opt.compare_methods`` with its
one-line greedy decoding helper ``_decode`` (pinned by the slow tests and `make bench`, not by unit tests) and
training's progress display. "No tests": no fast test of tests/test_M.py calls that
function at all. mutmut does not mutate decorated functions (``@torch.no_grad()``, ``@property``): those
are pinned by hand-made mutants only (issue #23).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

try:
    from tomllib import loads as toml_loads
except ModuleNotFoundError:  # Python 3.10: mutmut brings the toml package there
    from toml import loads as toml_loads

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "mutation"
WORK = HERE / "work"
EQUIVALENT = HERE / "equivalent.md"
DETECTED, UNDETECTED = ("killed", "timeout", "segfault"), ("survived", "no tests")
NOT_SCORED = re.compile(r"\.(x_evaluate_\w+|x_compare_methods|x__decode|xǁProgressǁ\w+)__mutmut_\d+$")


def modules_with_tests() -> list[str]:
    return sorted(p.stem for p in (ROOT / "course_utils").glob("*.py")
                  if p.stem != "__init__" and (ROOT / "tests" / f"test_{p.stem}.py").exists())


def equivalent_mutants() -> dict[str, str]:
    """Mutant name -> reason, from the lines ``- `name`: reason`` of mutation/equivalent.md."""
    if not EQUIVALENT.exists():
        return {}
    found = re.findall(r"^- `([^`]+)`:\s*(.+)$", EQUIVALENT.read_text(encoding="utf-8"), flags=re.M)
    return dict(found)


def toml_value(value: object) -> str:
    """Strings, numbers, booleans and lists of them, as TOML (JSON's spelling is valid TOML for these)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


def write_config(work: Path, module: str) -> None:
    """work/pyproject.toml: [tool.mutmut] of the project narrowed to one module, and pytest's own settings."""
    project = toml_loads((ROOT / "pyproject.toml").read_text())
    mut = dict(project["tool"]["mutmut"])
    mut["only_mutate"] = [f"course_utils/{module}.py"]
    mut["pytest_add_cli_args_test_selection"] = [f"tests/test_{module}.py"]
    lines = ["# written by mutation/run.py for one module; edit [tool.mutmut] in the project's pyproject.toml",
             "[tool.mutmut]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in mut.items()]
    lines += ["", "[tool.pytest.ini_options]"]
    lines += [f"{k} = {toml_value(v)}" for k, v in project["tool"]["pytest"]["ini_options"].items()
              if k != "testpaths"]
    (work / "pyproject.toml").write_text("\n".join(lines) + "\n")


def run_module(module: str, jobs: int) -> float:
    """One mutmut run on course_utils/<module>.py in mutation/work/<module>/; returns its wall time (s)."""
    work = WORK / module
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in ("course_utils", "tests", "conftest.py"):
        (work / name).symlink_to(ROOT / name)
    write_config(work, module)
    # one compute thread: the mutants run forked from a process that already ran torch, and OpenMP thread
    # pools do not survive a fork; on 2 cores, one thread per mutant process is also the fastest
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg",
           "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    with open(work / "mutmut.log", "w") as out:
        proc = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", str(jobs)],
                              cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    (work / "seconds.txt").write_text(f"{seconds:.1f}\n")
    if proc.returncode != 0 or not (work / "mutants" / "course_utils" / f"{module}.py.meta").exists():
        tail = (work / "mutmut.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"mutmut failed on {module} (exit {proc.returncode}); end of {work / 'mutmut.log'}:\n{tail}")
    return seconds


def score_module(module: str, diffs: bool = True) -> dict:
    """Counts, score and survivors of the last run on course_utils/<module>.py."""
    from mutmut.stats import status_by_exit_code

    work = WORK / module
    meta = work / "mutants" / "course_utils" / f"{module}.py.meta"
    if not meta.exists():
        raise FileNotFoundError(f"no mutmut results for {module} in {work}: run without --no-run first")
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    seconds = float((work / "seconds.txt").read_text()) if (work / "seconds.txt").exists() else float("nan")
    equivalent = equivalent_mutants()
    counts: dict[str, int] = {}
    survivors, no_tests, stale = [], [], []
    for name, code in sorted(codes.items()):
        status = status_by_exit_code[code]
        if name in equivalent:
            if status in DETECTED:
                stale.append(name)
            status = "equivalent"
        elif NOT_SCORED.search(name):
            status = "not scored"
        counts[status] = counts.get(status, 0) + 1
        if status == "survived":
            survivors.append(name)
        elif status == "no tests":
            no_tests.append(name)
    detected = sum(counts.get(s, 0) for s in DETECTED)
    scored = detected + sum(counts.get(s, 0) for s in UNDETECTED)
    return {"module": module, "mutants": len(codes), "counts": counts, "detected": detected, "scored": scored,
            "score": detected / scored if scored else 1.0, "seconds": round(seconds, 1),
            "survivors": [{"name": n, "diff": mutant_diff(work, n) if diffs else ""} for n in survivors],
            "no_tests": no_tests, "stale_equivalent": stale}


def mutant_diff(work: Path, name: str) -> str:
    """The mutant's changed lines (- original, + mutant), from mutmut's own diff."""
    from mutmut import configuration
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    here = os.getcwd()
    os.chdir(work)
    try:
        configuration.reset_config()
        diff = get_diff_for_mutant(name, path=f"course_utils/{name.split('.')[1]}.py")
    except Exception as err:  # a diff is a convenience: never lose the run over it
        return f"(no diff: {err})"
    finally:
        os.chdir(here)
    return "\n".join(line for line in diff.splitlines()[2:] if line[:1] in "+-")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", default="", help="comma-separated course_utils modules (default: all with tests)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="mutants tested at once")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--no-diff", action="store_true", help="list surviving mutants without their diffs")
    parser.add_argument("--no-run", action="store_true", help="only score the last run of each module again")
    args = parser.parse_args()
    available = modules_with_tests()
    modules = [m.strip() for m in args.modules.replace(" ", ",").split(",") if m.strip()] or available
    unknown = sorted(set(modules) - set(available))
    if unknown:
        parser.error(f"no course_utils module with a tests/test_<module>.py: {', '.join(unknown)} "
                     f"(available: {', '.join(available)})")
    start = time.perf_counter()
    results = []
    for module in modules:
        if not args.no_run:
            print(f"mutmut on course_utils/{module}.py with the fast tests of tests/test_{module}.py ...", flush=True)
            run_module(module, args.jobs)
        r = score_module(module, diffs=not args.no_diff)
        results.append(r)
        print(f"  {module}: {r['detected']}/{r['scored']} = {100 * r['score']:.1f}% in {r['seconds']:.0f} s",
              flush=True)
    total_detected, total_scored = sum(r["detected"] for r in results), sum(r["scored"] for r in results)
    overall = total_detected / total_scored if total_scored else 1.0
    seconds = round(sum(r["seconds"] for r in results) if args.no_run else time.perf_counter() - start, 1)

    print("\n| module | mutants | killed | survived | no tests | timeout | equivalent | not scored | other | score "
          "| s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        c = r["counts"]
        shown = ("killed", "survived", "no tests", "timeout", "equivalent", "not scored")
        other = r["mutants"] - sum(c.get(k, 0) for k in shown)
        print(f"| {r['module']} | {r['mutants']} | " + " | ".join(str(c.get(k, 0)) for k in shown)
              + f" | {other} | {100 * r['score']:.1f}% | {r['seconds']:.0f} |")
    print(f"| **all** | {sum(r['mutants'] for r in results)} | | | | | | | | **{100 * overall:.1f}%** "
          f"| {seconds:.0f} |")
    for r in results:
        if r["survivors"]:
            print(f"\nsurviving mutants of course_utils/{r['module']}.py ({len(r['survivors'])}; "
                  f"see one with: cd mutation/work/{r['module']} && mutmut show NAME):")
            for s in r["survivors"]:
                print(f"  {s['name']}")
                if not args.no_diff:
                    print("\n".join("      " + line for line in s["diff"].splitlines()))
        if r["no_tests"]:
            print(f"\nmutants of course_utils/{r['module']}.py that no fast test reaches: {len(r['no_tests'])} "
                  f"in {', '.join(sorted({n.split('__mutmut_')[0].split('.')[-1] for n in r['no_tests']}))}")
        if r["stale_equivalent"]:
            print(f"\nWARNING: listed as equivalent in {EQUIVALENT.name} but killed (stale entry?): "
                  + ", ".join(r["stale_equivalent"]))
    if args.json:
        args.json.write_text(json.dumps({"score": overall, "seconds": seconds, "modules": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
