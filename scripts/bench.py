"""`make bench`: measure the course's run times and results on this machine.

Each benchmark returns flat keys (``group.name``) that are merged into ``bench/results.json``
(keys from benchmarks not run this time are kept) and printed as a Markdown table.

    python scripts/bench.py                 # everything
    python scripts/bench.py --only training  # benchmarks whose name starts with "training"
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results.json"


def bench_test_fast() -> dict[str, float]:
    """Wall time of `make test-fast` (unit tests on both cores)."""
    start = time.perf_counter()
    subprocess.run(["make", "-s", "test-fast", "PYTEST_ARGS=-q"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return {"tests.fast_seconds": round(time.perf_counter() - start, 1)}


def bench_training_fingerprint_vae() -> dict[str, float]:
    """Lab 01's training run: an MLP VAE on 1024-bit Morgan fingerprints of 5,000 molecules."""
    import functools

    import torch

    from course_utils import data, training, vae

    training.seed_everything(0)
    train_fp = data.fingerprint_tensor(data.load_molecules("train", n=5000))
    test_fp = data.fingerprint_tensor(data.load_molecules("test", n=1000))
    model = vae.VAE(1024, [256], 32)

    @torch.no_grad()
    def test_loss() -> float:
        model.eval()
        out, mu, logvar = model(test_fp)
        return vae.negative_elbo(out, test_fp, mu, logvar, likelihood="bernoulli").loss.item()

    before = test_loss()
    history = training.train(
        model, data.make_loader(train_fp, batch_size=128), training.vae_loss("bernoulli"), epochs=5,
        beta=functools.partial(training.linear_anneal, warmup_fraction=0.3), device="cpu", progress=False,
    )
    return {
        "training.fingerprint_vae.seconds": round(history.seconds, 2),
        "training.fingerprint_vae.steps": len(history.step),
        "training.fingerprint_vae.test_neg_elbo_before": round(before, 2),
        "training.fingerprint_vae.test_neg_elbo_after": round(test_loss(), 2),
    }


MOSES_VAE = {"validity": 0.977, "unique_at_1k": 1.0, "novelty": 0.695, "int_div": 0.856}


def _scratch_run(kind: str, seconds: float) -> dict[str, float]:
    """The lab-02 from-scratch recipe on 50,000 molecules for ``seconds``, then 1,000 prior samples at T=1."""
    import torch

    from course_utils import data, metrics, seqvae, smiles, training

    training.seed_everything(0)
    convert = (lambda s: s) if kind == "smiles" else smiles.to_selfies
    back = (lambda s: s) if kind == "smiles" else smiles.from_selfies
    train = data.load_molecules("train")
    strings = [convert(s) for s in train.smiles[:50_000]]
    vocab = smiles.Vocabulary.build(strings, kind=kind)
    model = seqvae.SmilesVAE(seqvae.SeqVAEConfig(len(vocab), **seqvae.SCRATCH_CONFIG, max_len=80))
    h = training.train(model, seqvae.bucket_batches(vocab.encode_batch(strings), batch_size=64), seqvae.sequence_loss,
                       epochs=100, lr=3e-3, max_seconds=seconds, beta=seqvae.scratch_beta,
                       lr_schedule=seqvae.scratch_lr, clip_grad_norm=1.0,
                       device="cpu", progress=False)
    samples = [back(s) for s in vocab.decode_batch(model.sample(1000, generator=torch.Generator().manual_seed(1)))]
    return {"validity": round(metrics.validity(samples), 3), "unique_at_1k": round(metrics.unique_at_k(samples), 3),
            "novelty": round(metrics.novelty(samples, set(train.smiles)), 3), "train_seconds": round(h.seconds, 1),
            "steps": len(h.step)}


def bench_smiles_vae() -> dict[str, float]:
    """Lab 02: from-scratch SMILES and SELFIES runs (180 s each) and the shipped pretrained model."""
    from course_utils import chem, data, seqvae

    chem.silence_rdkit()
    out = {f"smiles_vae.scratch.{k}": v for k, v in _scratch_run("smiles", 180).items()}
    out["selfies_vae.scratch.validity"] = _scratch_run("selfies", 180)["validity"]
    model, vocab = seqvae.load_pretrained("smiles_vae")
    train, test = data.load_molecules("train"), data.load_molecules("test", n=1000)
    pre = seqvae.evaluate_generation(model, vocab, set(train.smiles), test.smiles)
    out |= {f"smiles_vae.pretrained.{k}": round(v, 3) for k, v in pre.items()}
    print("| metric | scratch (180 s) | pretrained | MOSES VAE (published) |\n|---|---|---|---|")
    for k, ref in MOSES_VAE.items():
        print(f"| {k} | {out.get(f'smiles_vae.scratch.{k}', '')} | {out[f'smiles_vae.pretrained.{k}']} | {ref} |")
    if "smiles_vae.pretrained.validity_unconstrained" in out:  # the pretrained row above is grammar-masked
        print(f"| validity, network alone (no mask) | | {out['smiles_vae.pretrained.validity_unconstrained']} | |")
    return out


def bench_cvae() -> dict[str, float]:
    """Lab 03: the pretrained CVAE asked for 5 logP targets (200 prior samples each) vs the unconditional model."""
    from course_utils import chem, cvae, seqvae

    chem.silence_rdkit()
    model, vocab = seqvae.load_pretrained("smiles_cvae")
    report = cvae.evaluate_conditioning(model, vocab, n_per_target=200, seed=0,
                                        unconditional=seqvae.load_pretrained("smiles_vae_aromatic"))
    print("asked logP", cvae.LOGP_TARGETS, "achieved mean", [round(a, 2) for a in report["achieved_mean"]])
    return {"cvae.logp_spearman": round(report["spearman"], 3),
            "cvae.logp_mae_conditional": round(report["mae_conditional"], 3),
            "cvae.logp_mae_unconditional": round(report["mae_unconditional"], 3),
            "cvae.validity": round(report["validity"], 3)}


def bench_latent() -> dict[str, float]:
    """Lab 04: the pretrained SMILES VAE's latent space on 4,000 test molecules."""
    from course_utils import chem, data, latent, seqvae

    chem.silence_rdkit()
    model, vocab = seqvae.load_pretrained("smiles_vae")
    test = data.load_molecules("test", n=4000)
    report = latent.evaluate_latent(model, vocab, test.smiles, test.properties["logp"])
    return {f"latent.{k}": round(v, 3) for k, v in report.items()}


def bench_design() -> dict[str, float]:
    """Lab 05: 3 rounds of rank-weighted retraining on QED (k = 0.01) vs uniform weights, mean of 3 seeds."""
    from course_utils import chem, design

    chem.silence_rdkit()
    return {f"design.{k}": round(v, 3) for k, v in design.evaluate_design().items()}


def bench_latent_opt() -> dict[str, float]:
    """Lab 05, part 2: latent BO, latent gradient ascent, weighted retraining and the uniform control on QED
    at 60 oracle calls each (2 rounds of 30), 3 seeds: mean and spread (std) of each metric."""
    from course_utils import chem, latent_opt

    chem.silence_rdkit()
    start = time.perf_counter()
    r = latent_opt.evaluate_latent_opt(seeds=(0, 1, 2), budget=60, rounds=2)
    out = {f"latent_opt.{k}": round(v, 3) for k, v in r.items()}
    out["latent_opt.oracle_calls"] = 60
    out["latent_opt.seconds"] = round(time.perf_counter() - start, 1)
    return out


def bench_anomaly() -> dict[str, float]:
    """Lab 06: NB-VAE deviance vs MSE-VAE on simulated counts, threshold calibrated at alpha = 0.05."""
    from course_utils import anomaly

    r = anomaly.evaluate_detection()
    return {"anomaly.fpr_at_0.05": round(r["fpr"], 4), "anomaly.fpr_bound": round(r["fpr_bound"], 4),
            "anomaly.tpr_at_0.05": round(r["tpr"], 3), "anomaly.auroc_nb": round(r["auroc_nb"], 3),
            "anomaly.auroc_mse": round(r["auroc_mse"], 3)}


def bench_collapse() -> dict[str, float]:
    """Lab 07: linear VAE vs its closed form over a sweep of decoder noise (beta = 1, 2); image-VAE traversal."""
    from course_utils import collapse

    r = collapse.evaluate_collapse()
    return {"collapse.closed_form_max_rel_err": round(r["closed_form_max_rel_err"], 5),
            "collapse.active_counts_match": r["active_counts_match"],
            "collapse.traversal_spearman": round(r["traversal_spearman"], 3)}


def bench_rg() -> dict[str, float]:
    """Lab 08: linear VAE on 3,000 exact free-field samples (16 x 16, m = 0.3), sigma^2 between shells 2 and 3."""
    from course_utils import lattice

    r = lattice.evaluate_rg()
    return {"rg.low_k_power_fraction": round(r["low_k_power_fraction"], 4), "rg.active_latents": r["active_latents"],
            "rg.expected_active_latents": r["expected_active_latents"],
            "rg.subspace_overlap": round(r["subspace_overlap"], 4)}


def bench_crystal() -> dict[str, float]:
    """Lab 09: CrystalVAE on 4,000 synthetic crystals (40 epochs); 10^4 decoded cells, 1,000 distance checks."""
    from course_utils import crystal

    r = crystal.evaluate_crystals()
    return {"crystal.positive_volume_rate": r["positive_volume_rate"],
            "crystal.min_distance_ok_rate": round(r["min_distance_ok_rate"], 3),
            "crystal.min_distance_angstrom": 1.5,
            "crystal.train_min_distance": round(r["train_min_distance"], 3),
            "crystal.test_rms_position_error": round(r["test_rms_position_error"], 4)}


def bench_privacy() -> dict[str, float]:
    """Lab 10: relatives-average attack of a genotype VAE (5,000-person panel, 2,000 trios), with/without linkage."""
    from course_utils import privacy

    r, free = privacy.evaluate_privacy(linked=True), privacy.evaluate_privacy(linked=False)
    return {"privacy.attack_concordance": round(r["attack_concordance"], 4),
            "privacy.baseline_concordance": round(r["baseline_concordance"], 4),
            "privacy.mendel_ceiling": round(r["mendel_ceiling"], 4),
            "privacy.one_parent_concordance": round(r["one_parent_concordance"], 4),
            "privacy.unlinked.attack_concordance": round(free["attack_concordance"], 4),
            "privacy.unlinked.baseline_concordance": round(free["baseline_concordance"], 4),
            "privacy.unlinked.mendel_ceiling": round(free["mendel_ceiling"], 4)}


def bench_notebooks() -> dict[str, float]:
    """Wall time to execute every solution and lecture notebook (as nbval does), budget 180 s each.

    Recorded as ``notebooks.<name>.seconds`` on a CPU-only machine and ``notebooks.<name>.gpu_seconds``
    when PyTorch sees a CUDA GPU (the notebooks then train on it).
    """
    import tempfile

    import torch

    column = "gpu_seconds" if torch.cuda.is_available() else "seconds"
    out = {}
    notebooks = sorted((ROOT / "solutions").glob("*/*.ipynb")) + sorted((ROOT / "lectures").glob("*.ipynb"))
    if only := os.environ.get("BENCH_NOTEBOOKS"):  # e.g. BENCH_NOTEBOOKS=lab09,15_ : names starting with these
        notebooks = [nb for nb in notebooks if nb.stem.startswith(tuple(only.split(",")))]
    with tempfile.TemporaryDirectory() as tmp:
        for nb in notebooks:
            start = time.perf_counter()
            subprocess.run(
                [str(Path(sys.executable).parent / "jupyter"), "nbconvert", "--to", "notebook", "--execute",
                 "--ExecutePreprocessor.timeout=600", "--output-dir", tmp, nb.name],
                cwd=nb.parent, check=True, capture_output=True,
            )
            out[f"notebooks.{nb.stem}.{column}"] = round(time.perf_counter() - start, 1)
    return out


def bench_grading(submissions: int = 4) -> dict[str, float]:
    """`make autograde` on ``submissions`` copies of each lab's solution: JOBS=1 and JOBS=2 in the sandbox,
    and JOBS=1 with SANDBOX=0 (wall time of the whole make target, divided by the submissions).

    Goals (issue #17): JOBS=2 at least 1.7 times as fast as JOBS=1 on 2 cores; the sandbox costs at
    most 15% over the same run without it.
    """
    import tempfile

    sys.path.insert(0, str(ROOT / "tests"))
    import grading_course as gs

    out: dict[str, float] = {}
    totals = {"jobs1": 0.0, "jobs2": 0.0, "unsandboxed": 0.0}
    for lab in gs.LABS:
        short = lab.split("_")[0]
        with tempfile.TemporaryDirectory() as tmp:
            course = gs.Course.create(Path(tmp), lab)
            for i in range(submissions):
                path = course.submit("solution")
                target = path.parents[2] / f"student{i}" / lab / path.name
                target.parent.mkdir(parents=True)
                path.rename(target)
            shutil.rmtree(Path(tmp) / "submitted" / "solution")
            runs = {"jobs1": course.autograde(jobs=1), "jobs2": course.autograde(jobs=2),
                    "unsandboxed": course.autograde(jobs=1, env={"SANDBOX": "0"})}
            full = {c: mx for c, (a, mx) in course.scores()[f"student{submissions - 1}"].items() if a is not None}
            assert all(course.scores()[f"student{i}"][c][0] == mx for i in range(submissions) for c, mx in full.items())
        for kind, seconds in runs.items():
            totals[kind] += seconds
            out[f"autograde.{short}.{kind}_s_per_submission"] = round(seconds / submissions, 1)
    n = submissions * len(gs.LABS)
    out["autograde.seconds_per_submission.jobs1"] = round(totals["jobs1"] / n, 2)
    out["autograde.seconds_per_submission.jobs2"] = round(totals["jobs2"] / n, 2)
    out["autograde.seconds_per_submission.unsandboxed_jobs1"] = round(totals["unsandboxed"] / n, 2)
    out["autograde.speedup_jobs2"] = round(totals["jobs1"] / totals["jobs2"], 2)
    out["autograde.sandbox_overhead"] = round(totals["jobs1"] / totals["unsandboxed"], 3)
    out["autograde.submissions_per_lab"] = submissions
    return out


def bench_mistakes() -> dict[str, float]:
    """Per lab: catalogued mistakes, caught by visible / hidden tests, recognised by name (issue #19)."""
    from course_grading import mistakes

    out: dict[str, float] = {}
    labs = sorted(p.name for p in (ROOT / "tests" / "submissions").iterdir() if list(p.glob("mistake_*.py")))
    for lab in labs:
        summary = mistakes.summarize(mistakes.run_lab(lab, log=lambda *_: None))
        for key in ("catalogued", "caught_visible", "caught_hidden", "missed", "named"):
            out[f"mistakes.{lab}.{key}"] = summary[key]
    return out


def bench_mutation() -> dict[str, float]:
    """Mutation score of course_utils on the fast unit tests, overall and per module (issue #23; mutation/run.py).

    MUTATION_MODULES=vae,crystal limits the modules (the whole package takes about an hour on 2 cores).
    MUTATION_NO_RUN=1 records the last run of each module (in mutation/work/) without running mutmut again,
    re-scored against mutation/equivalent.md (``run.py --no-run``); its seconds are that last run's.
    """
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "mutation.json"
        modules = os.environ.get("MUTATION_MODULES", "")
        no_run = ["--no-run"] if os.environ.get("MUTATION_NO_RUN") else []
        subprocess.run([sys.executable, "mutation/run.py", "--no-diff", "--json", str(out), *no_run,
                        *(["--modules", modules] if modules else [])], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        report = json.loads(out.read_text())
    results = {f"tests.mutation_score.{r['module']}": round(r["score"], 4) for r in report["modules"]}
    results.update({f"tests.mutation_survivors.{r['module']}": len(r["survivors"]) for r in report["modules"]})
    results.update({f"tests.mutation_seconds.{r['module']}": r["seconds"] for r in report["modules"]})
    if not os.environ.get("MUTATION_MODULES"):  # the overall score only when every module was run
        results["tests.mutation_score"] = round(report["score"], 4)
        results["tests.mutation_seconds"] = report["seconds"]
    return results


def bench_book() -> dict[str, float]:
    """The course website (issue #21): build time cold (no executed-notebook cache, no Sphinx state) and cached
    (the Sphinx state removed, so every page is read again, but the lectures come from build/book/cache), its
    pages, figures, broken links and size (scripts/book.py's report), and the browser check's result."""
    book = ROOT / "build" / "book"
    shutil.rmtree(book, ignore_errors=True)
    make = ["make", "--no-print-directory", "book"]
    subprocess.run([*make[:2], "setup"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    subprocess.run(make, cwd=ROOT, check=True)
    cold = time.perf_counter() - started
    shutil.rmtree(book / "html")
    started = time.perf_counter()
    subprocess.run(make, cwd=ROOT, check=True)
    cached = time.perf_counter() - started
    report = json.loads((book / "report.json").read_text())
    check = subprocess.run(["make", "--no-print-directory", "test-book"], cwd=ROOT, capture_output=True, text=True)
    tail = check.stdout.strip().splitlines()[-1] if check.stdout.strip() else ""
    passed = re.search(r"(\d+) passed", tail)
    failed = re.search(r"(\d+) failed", tail)
    return {"book.build_seconds_cold": round(cold, 1), "book.build_seconds_cached": round(cached, 1),
            "book.pages": report["pages"], "book.figures": report["figures"],
            "book.broken_links": report["broken_links"], "book.size_mb": report["size_mb"],
            "book.browser_checks_passed": int(passed.group(1)) if passed else 0,
            "book.browser_checks_failed": int(failed.group(1)) if failed else (0 if check.returncode == 0 else -1)}


def bench_hub(students: int = 3) -> dict[str, float]:
    """The hub on this machine (issue #22, hub/README.md "Sizing"; as root: it makes temporary Unix users).
    A hub (hub/jupyterhub_config.py, hub/test_hub.py's helpers) with an instructor and ``students`` students;
    each student's server is started alone through the REST API (start time: the request to "ready"), then
    the RSS of its process tree (the server and its children, from /proc) is read: idle 10 s after start;
    with lab 01 open (a notebook session, as JupyterLab opens it: its kernel started, idle); after the lab's
    first two code cells ran in that kernel (the Colab setup and the setup cell: torch and the course). Also
    the hub's and the proxy's own RSS with every server running. Everything is removed afterwards."""
    import secrets
    import tempfile

    import requests
    from jupyter_client import BlockingKernelClient

    if os.geteuid() != 0:
        raise SystemExit("bench hub: run as root (it makes temporary Unix users and spawns servers as them)")
    sys.path.insert(0, str(ROOT / "hub"))
    import test_hub as th

    lab = "lab01_vae_building_blocks"
    release = json.loads((ROOT / "labs" / lab / f"{lab}.ipynb").read_text())
    setup_code = "\n".join(["".join(c["source"]) for c in release["cells"] if c["cell_type"] == "code"][:2])

    def tree_mb(pid: int, tree: bool = True) -> float:
        parents: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int(Path(entry, "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                parents.setdefault(ppid, []).append(int(entry.name))
        total, todo = 0.0, [pid]
        while todo:
            p = todo.pop()
            todo += parents.get(p, []) if tree else []
            try:
                for line in Path(f"/proc/{p}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
            except OSError:
                pass
        return total

    tag = secrets.token_hex(3)
    names = {"instructor": f"hubm{tag}i", **{f"s{k}": f"hubm{tag}s{k}" for k in range(students)}}
    users = th.temporary_users(names)
    _, passwords = next(users)
    venvs = th.student_venv.__wrapped__(None)
    venv = next(venvs)
    workdir = Path(tempfile.mkdtemp(prefix="course-hub-bench-"))
    roster = {names["instructor"]: "instructor", **{names[f"s{k}"]: "student" for k in range(students)}}
    hub = th.Hub(workdir, roster, venv)
    starts, idle, opened, setup, setup_s = [], [], [], [], []
    try:
        hub.start()
        hub.wait_ready()
        instructor = names["instructor"]
        session, _ = th.login(hub, instructor, passwords[instructor])
        api = requests.Session()
        api.headers["Authorization"] = f"token {th.api_token(hub, session, instructor)}"
        pids = {}
        for k in range(students):
            name = names[f"s{k}"]
            started = time.perf_counter()
            assert api.post(f"{hub.url}/hub/api/users/{name}/server", timeout=60).status_code in (201, 202)
            while True:
                server = api.get(f"{hub.url}/hub/api/users/{name}", timeout=30).json()["servers"].get("")
                if server and server["ready"]:
                    break
                assert time.perf_counter() - started < th.START_TIMEOUT, hub.log_tail()
                time.sleep(0.2)
            starts.append(time.perf_counter() - started)
            pids[name] = server["state"]["pid"]
        time.sleep(10)
        idle = [tree_mb(pid) for pid in pids.values()]
        for name, pid in pids.items():
            home = Path(th.pwd.getpwnam(name).pw_dir)
            (home / lab).mkdir()
            shutil.copy(ROOT / "labs" / lab / f"{lab}.ipynb", home / lab)
            subprocess.run(["chown", "-R", f"{name}:", str(home / lab)], check=True)
            student, _ = th.login(hub, name, passwords[name])
            assert student.get(f"{hub.url}/user/{name}/lab", timeout=120).status_code == 200
            xsrf = student.cookies.get("_xsrf", path=f"/user/{name}/") or student.cookies.get("_xsrf")
            answer = student.post(f"{hub.url}/user/{name}/api/sessions", headers={"X-XSRFToken": xsrf}, timeout=120,
                                  json={"path": f"{lab}/{lab}.ipynb", "type": "notebook", "name": f"{lab}.ipynb",
                                        "kernel": {"name": "python3"}})
            assert answer.status_code == 201, (answer.status_code, answer.text[:300])
            kernel_id = answer.json()["kernel"]["id"]
            connection = home / ".local" / "share" / "jupyter" / "runtime" / f"kernel-{kernel_id}.json"
            client = BlockingKernelClient(connection_file=str(connection))
            client.load_connection_file()
            client.start_channels()
            client.wait_for_ready(timeout=120)
            time.sleep(5)
            opened.append(tree_mb(pid))
            started = time.perf_counter()
            reply = client.execute_interactive(setup_code, timeout=300, output_hook=lambda msg: None)
            setup_s.append(time.perf_counter() - started)
            assert reply["content"]["status"] == "ok", reply["content"]
            client.stop_channels()
            time.sleep(5)
            setup.append(tree_mb(pid))
        hub_mb = tree_mb(hub.proc.pid, tree=False)  # the hub's process alone (servers and proxy are its children)
        proxy_mb = tree_mb(hub.proxy_pid()) if hub.proxy_pid() else 0.0
    finally:
        hub.stop()
        pid = hub.proxy_pid()
        if pid and th.pid_alive(pid):
            os.kill(pid, 15)
        hub.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
        next(venvs, None)  # runs the fixture past its yield: it removes the temporary venv (close() would not)
        users.close()

    def mean(xs: list[float]) -> float:
        return round(sum(xs) / len(xs), 1)

    return {"hub.students_measured": students, "hub.server_start_s_mean": mean(starts),
            "hub.server_start_s_max": round(max(starts), 1), "hub.server_rss_mb_idle": mean(idle),
            "hub.server_rss_mb_lab01_open": mean(opened), "hub.server_rss_mb_lab01_setup": mean(setup),
            "hub.server_rss_mb_lab01_setup_max": round(max(setup), 1), "hub.lab01_setup_cells_s_mean": mean(setup_s),
            "hub.hub_rss_mb": round(hub_mb, 1), "hub.proxy_rss_mb": round(proxy_mb, 1)}


BENCHES: dict[str, Callable[[], dict[str, float]]] = {
    "tests.fast": bench_test_fast,
    "tests.mutation": bench_mutation,
    "training.fingerprint_vae": bench_training_fingerprint_vae,
    "smiles_vae": bench_smiles_vae,
    "cvae": bench_cvae,
    "latent": bench_latent,
    "design": bench_design,
    "latent_opt": bench_latent_opt,
    "anomaly": bench_anomaly,
    "collapse": bench_collapse,
    "rg": bench_rg,
    "crystal": bench_crystal,
    "privacy": bench_privacy,
    "notebooks": bench_notebooks,
    "autograde": bench_grading,
    "mistakes": bench_mistakes,
    "book": bench_book,
    "hub": bench_hub,
}


def machine() -> dict[str, str | int]:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count() or 0, "python": platform.python_version(), "torch": torch.__version__,
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"}


NOTEBOOK_BUDGET_S = 180.0


def notebook_table(results: dict[str, object]) -> str:
    """Per-notebook run time on CPU (and GPU where measured) beside the 180 s budget."""
    names = sorted({k.split(".")[1] for k in results if k.startswith("notebooks.")})
    rows = ["| notebook | CPU s | GPU s | budget s | within |", "|---|---|---|---|---|"]
    for name in names:
        cpu, gpu = results.get(f"notebooks.{name}.seconds"), results.get(f"notebooks.{name}.gpu_seconds")
        worst = max([v for v in (cpu, gpu) if isinstance(v, (int, float))], default=None)
        ok = "n/a" if worst is None else ("yes" if worst <= NOTEBOOK_BUDGET_S else "NO")
        rows.append(f"| {name} | {cpu if cpu is not None else 'not measured'} | "
                    f"{gpu if gpu is not None else 'not measured'} | {NOTEBOOK_BUDGET_S:g} | {ok} |")
    return "\n".join(rows)


def markdown(results: dict[str, object]) -> str:
    rows = ["| key | value |", "|---|---|"]
    rows += [f"| `{k}` | {v} |" for k, v in sorted(results.items()) if k != "_meta"]
    return "\n".join(rows) + "\n\n" + notebook_table(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="run only benchmarks whose name starts with this")
    args = parser.parse_args()
    results: dict[str, object] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for name, fn in BENCHES.items():
        if name.startswith(args.only):
            print(f"running {name} ...", flush=True)
            if name == "autograde":  # replaces the one-submission `grading.<lab>.autograde_s` figures
                results = {k: v for k, v in results.items() if not k.startswith("grading.")}
            results.update(fn())
    # notes kept from other runs (the GPU notebook times' provenance) stay; the machine is this run's
    results["_meta"] = {**(results.get("_meta") or {}), **machine(),
                        "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    print(markdown(results))


if __name__ == "__main__":
    main()
