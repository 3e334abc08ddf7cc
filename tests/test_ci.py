"""The CI definitions: the workflow is valid and runs the README's commands; `make test-gpu` has a CPU dry path."""

import configparser
import os
import re
import subprocess

import grading_course as gs
import pytest
import yaml

WORKFLOW = gs.ROOT / ".github" / "workflows" / "ci.yml"


def load_workflow() -> dict:
    wf = yaml.safe_load(WORKFLOW.read_text())
    wf["on"] = wf.pop(True, wf.get("on"))  # YAML 1.1 reads the key `on` as True
    return wf


def steps_run(job: dict) -> list[str]:
    return [s["run"] for s in job["steps"] if "run" in s]


def test_workflow_has_a_cpu_job_running_make_test_and_a_gpu_job_running_make_test_gpu():
    wf = load_workflow()
    assert {"push", "pull_request"} <= set(wf["on"])
    cpu, gpu = wf["jobs"]["cpu"], wf["jobs"]["gpu"]
    assert cpu["runs-on"] == "ubuntu-latest" and cpu["timeout-minutes"] <= 90
    assert steps_run(cpu)[-1] == "make test", "the CPU job runs exactly the README's test command"
    python = [s for s in cpu["steps"] if s.get("uses", "").startswith("actions/setup-python")]
    assert python and python[0]["with"]["python-version"] == "3.11"
    assert {"self-hosted", "gpu"} <= set(gpu["runs-on"])
    assert gpu["env"]["COURSE_DEVICE"] == "cuda"
    assert steps_run(gpu)[-1] == "make test-gpu"
    assert any("cu1" in r and "make setup" in r for r in steps_run(gpu)), "the GPU job installs a CUDA build of torch"
    for job in (cpu, gpu):
        assert job["steps"][0]["uses"].startswith("actions/checkout@")


def test_ci_run_and_readme_use_the_same_test_command():
    commands = [line.strip() for line in (gs.ROOT / ".ci" / "run").read_text().splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-3:] == ["make test", "make test-book", "make test-hub"], (
        f".ci/run must end with the README's test command, then the book's browser check, then the class on a "
        f"real JupyterHub; it runs {commands}")
    assert "make test" in (gs.ROOT / "README.md").read_text()


def test_workflow_builds_checks_and_publishes_the_book():
    jobs = load_workflow()["jobs"]
    book, pages = jobs["book"], jobs["pages"]
    runs = steps_run(book)
    assert runs[0] == "make book" and runs[-1].endswith("make test-book"), runs
    assert any(s.get("uses", "").startswith("actions/upload-pages-artifact") and s["with"]["path"] == "build/book/html"
               for s in book["steps"]), "the built site (build/book/html) is what Pages publishes"
    assert pages["needs"] == "book" and "refs/heads/main" in pages["if"]
    assert pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert pages["steps"][0]["uses"].startswith("actions/deploy-pages@")


def test_nbval_sanitiser_masks_device_names():
    cfg = configparser.ConfigParser()
    cfg.read(gs.ROOT / "tests" / "nbval_sanitize.cfg")
    text = "PyTorch on cuda:0; trained in 3.2 s; tensor on cpu"
    for section in cfg.sections():
        text = re.sub(cfg[section]["regex"], cfg[section]["replace"], text)
    assert text == "PyTorch on DEVICE; trained in TIME; tensor on DEVICE"


@pytest.mark.slow
def test_make_test_gpu_runs_on_cpu_as_a_dry_path():
    env = {**os.environ, "COURSE_DEVICE": "cpu"}
    out = subprocess.run(["make", "--no-print-directory", "test-gpu", "GPU_NOTEBOOKS=solutions/lab09_crystal_vae"],
                         cwd=gs.ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert re.search(r"\d+ passed", out.stdout) and "failed" not in out.stdout.splitlines()[-1]
