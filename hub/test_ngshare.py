"""ngshare, the exchange of the Kubernetes deployment (hub/k8s/), with the course's nbgrader: `make test-hub`.

On Kubernetes every pod runs as the same uid, so the shared-folder exchange cannot keep students apart; the
deployment uses ngshare (a JupyterHub service that knows each user by their hub token) and its nbgrader client,
ngshare_exchange (hub/README.md, "Zero to JupyterHub"). No cluster is needed to test that pair: this starts a
real JupyterHub on 127.0.0.1 with ngshare as a managed service, run from its own virtual environment as its own
image runs it (`make hub-setup` makes `.venv/hub-vendor/ngshare`), and drives one term of lab 01 through it
with the course's nbgrader, each user's commands run with that user's own hub token and the configuration
stack of a pod (hub/k8s/nbgrader_config.py under the role folders, as values.yaml's role hook sets them):

- the instructor makes the course in ngshare, enrols two students, generates and releases lab 01;
- each student lists and fetches it; A submits the blank lab, then the solution; B submits the blank lab;
- an outsider (a hub user not enrolled) can neither list, fetch nor submit;
- A cannot list the submissions, download B's, collect, or release over the lab (ngshare: "Permission
  denied"); A posing as B (`JUPYTERHUB_USER=B` with A's token) still submits as A and cannot fetch B's
  feedback; a request without a token is refused;
- the instructor collects (A's latest submission), autogrades in the bubblewrap sandbox as `make autograde`
  does, makes and releases the feedback; the scores are the solution's every automatic point and 0;
- each student fetches their own feedback page.

No Unix users are made (ngshare's isolation is by token, not by file permissions), so it runs without root;
the hub, its proxy and ngshare are stopped afterwards, and their ports are free.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
import requests
import yaml
from nbgrader.api import Gradebook

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_exchange import COURSE_ID, LAB, auto_points  # noqa: E402
from test_hub import BIN, Hub, free_port, pid_alive, port_is_free  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NGSHARE_VENV = ROOT / ".venv" / "hub-vendor" / "ngshare"
PROXY = ROOT / ".venv" / "hub-vendor" / "node_modules" / ".bin" / "configurable-http-proxy"
SETUP_HINT = "run `make hub-setup` (it installs ngshare into .venv/hub-vendor/ngshare and ngshare_exchange)"

CONFIG = '''"""A hub for test_ngshare.py: ngshare as a managed service, users made through the API (no login)."""
import json, os
c = get_config()  # noqa: F821
e = os.environ
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(e["T_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(e["T_HUB_PORT"])
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:" + e["T_PROXY_API_PORT"]
c.ConfigurableHTTPProxy.command = [e["T_PROXY"]]
c.ConfigurableHTTPProxy.pid_file = e["T_STATE"] + "/proxy.pid"
c.JupyterHub.authenticator_class = "null"
c.JupyterHub.db_url = "sqlite:///" + e["T_STATE"] + "/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = e["T_STATE"] + "/cookie_secret"
c.JupyterHub.pid_file = e["T_STATE"] + "/jupyterhub.pid"
c.JupyterHub.services = [
    {"name": "ngshare", "url": "http://127.0.0.1:" + e["T_NGSHARE_PORT"],
     "command": [e["T_NGSHARE_PYTHON"], "-m", "ngshare", "--admins", e["T_INSTRUCTOR"],
                 "--database", "sqlite:///" + e["T_STATE"] + "/ngshare.db", "--storage", e["T_STATE"] + "/ngshare/"]},
    {"name": "test-admin", "api_token": e["T_ADMIN_TOKEN"]},
]
c.JupyterHub.load_roles = [
    {"name": "ngshare", "services": ["ngshare"], "scopes": json.loads(e["T_NGSHARE_SCOPES"])},
    {"name": "test-admin", "services": ["test-admin"], "scopes": ["admin:users", "tokens"]},
]
'''


def values_yaml() -> dict:
    return yaml.safe_load((ROOT / "hub" / "k8s" / "values.yaml").read_text())


class NgshareHub(Hub):
    """A JupyterHub with ngshare as a managed service, on free 127.0.0.1 ports, state in a temporary folder
    (its own configuration; starting, waiting for ngshare to answer, `log_tail` and `stop` are test_hub.Hub's)."""

    ready_path = "/services/ngshare/healthz"  # through the proxy: the hub, the proxy and ngshare are all up

    def __init__(self, workdir: Path, instructor: str):  # not Hub.__init__: no roster, no Unix group
        self.workdir, self.state = workdir, workdir / "state"
        self.state.mkdir()
        self.ports = {name: free_port() for name in ("T_PORT", "T_HUB_PORT", "T_PROXY_API_PORT", "T_NGSHARE_PORT")}
        self.admin_token = os.urandom(16).hex()
        self.config = workdir / "jupyterhub_config.py"
        self.config.write_text(CONFIG)
        self.env = {**os.environ, **{k: str(v) for k, v in self.ports.items()}, "T_STATE": str(self.state),
                    "T_PROXY": str(PROXY), "T_NGSHARE_PYTHON": str(NGSHARE_VENV / "bin" / "python"),
                    "T_INSTRUCTOR": instructor, "T_ADMIN_TOKEN": self.admin_token,
                    "T_NGSHARE_SCOPES": json.dumps(values_yaml()["hub"]["loadRoles"]["ngshare"]["scopes"])}
        self.env.pop("CONFIGPROXY_AUTH_TOKEN", None)
        self.url = f"http://127.0.0.1:{self.ports['T_PORT']}"
        self.ngshare = f"{self.url}/services/ngshare"
        self.log = workdir / "jupyterhub.log"
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"token {self.admin_token}"
        self.proc: subprocess.Popen | None = None

    def add_users(self, names: list[str]) -> dict[str, str]:
        """Hub users made through the REST API, each with an API token of their own (what their server gets)."""
        answer = self.api.post(f"{self.url}/hub/api/users", json={"usernames": names}, timeout=30)
        assert answer.status_code == 201, (answer.status_code, answer.text[:300])
        tokens = {}
        for name in names:
            answer = self.api.post(f"{self.url}/hub/api/users/{name}/tokens",
                                   json={"note": "test-ngshare", "expires_in": 1800}, timeout=30)
            assert answer.status_code in (200, 201), (answer.status_code, answer.text[:300])
            tokens[name] = answer.json()["token"]
        return tokens


class User:
    """One hub user's terminal in their pod: their home, their hub token, the pod's nbgrader configuration."""

    def __init__(self, hub: NgshareHub, name: str, token: str, role: str, system_config: Path):
        self.hub, self.name, self.token = hub, name, token
        self.home = hub.workdir / "homes" / name
        self.home.mkdir(parents=True)
        self.env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(self.home), "USER": name, "JUPYTERHUB_USER": name,
                    "JUPYTERHUB_API_TOKEN": token, "NGSHARE_URL": hub.ngshare, "COURSE_NBGRADER_COURSE_ID": COURSE_ID,
                    "LANG": "C.UTF-8",
                    # values.yaml's role hook (hub.extraConfig.roles.py) sets the role folders; the image's
                    # /etc/jupyter (hub/k8s/nbgrader_config.py) comes last, as Jupyter's system folder does
                    "JUPYTER_CONFIG_PATH": ":".join([str(ROOT / "hub" / "jupyter" / f"{role}s"),
                                                     str(ROOT / "hub" / "jupyter" / "common"), str(system_config)])}

    def run(self, *argv: str, cwd: Path | None = None, check: bool = True, env: dict | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
        out = subprocess.run(list(argv), cwd=cwd or self.home, env={**self.env, **(env or {})}, capture_output=True,
                             text=True, timeout=timeout)
        if check and out.returncode != 0:
            raise AssertionError(f"{self.name}: {' '.join(argv)} exited {out.returncode}:\n{out.stdout[-3000:]}\n"
                                 f"{out.stderr[-3000:]}")
        return out

    def nbgrader(self, *args: str, cwd: Path | None = None, env: dict | None = None, fails: bool = False) -> str:
        """An nbgrader command; returns its log (stderr + stdout). Most exchange commands exit 0 even when ngshare
        refuses them, so callers assert on the files and on this log; FAILS: it must exit non-zero."""
        out = self.run(str(BIN / "nbgrader"), *args, cwd=cwd, env=env, check=not fails)
        if fails:
            assert out.returncode != 0, f"{self.name}: nbgrader {' '.join(args)} succeeded:\n{out.stderr[-2000:]}"
        return out.stderr + out.stdout

    def get(self, path: str, token: str | None = None) -> dict:
        answer = requests.get(self.hub.ngshare + path, headers={"Authorization": f"token {token or self.token}"},
                              timeout=30)
        return answer.json()


@pytest.fixture
def ngshare_hub():
    for path, what in ((NGSHARE_VENV / "bin" / "python", "ngshare's virtual environment"),
                       (PROXY, "configurable-http-proxy")):
        if not path.exists():
            pytest.fail(f"{what} is missing ({path}): {SETUP_HINT}")
    out = subprocess.run([str(NGSHARE_VENV / "bin" / "python"), "-c",
                          "import sqlalchemy; print(sqlalchemy.__version__)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.startswith("1.4"), (
        f"ngshare runs with SQLAlchemy {out.stdout.strip()}: ngshare 0.6.0 needs 1.4 (with 2.x a release reports "
        f"success and is not stored): {SETUP_HINT}")
    workdir = Path(tempfile.mkdtemp(prefix="course-ngshare-"))
    hub = NgshareHub(workdir, instructor="prof")
    try:
        yield hub
    finally:
        pids = [hub.proc.pid] if hub.proc else []
        ngshare_pids = subprocess.run(["pgrep", "-f", str(hub.state / "ngshare.db")], capture_output=True,
                                      text=True).stdout.split()
        hub.stop()
        time.sleep(1)
        left = [int(p) for p in pids + ngshare_pids if pid_alive(int(p))]
        ports_taken = [p for p in hub.ports.values() if not port_is_free(p)]
        shutil.rmtree(workdir, ignore_errors=True)
        assert not left, f"processes left running after the hub stopped: {left}"
        assert not ports_taken, f"ports still taken after the hub stopped: {ports_taken}"


def test_one_term_of_lab01_through_ngshare(ngshare_hub):
    hub = ngshare_hub
    started = time.monotonic()
    hub.start()
    hub.wait_ready()
    tokens = hub.add_users(["prof", "ana", "ben", "eve"])
    system_config = hub.workdir / "etc-jupyter"  # the image's /etc/jupyter
    system_config.mkdir()
    shutil.copy(ROOT / "hub" / "k8s" / "nbgrader_config.py", system_config / "nbgrader_config.py")
    prof = User(hub, "prof", tokens["prof"], "instructor", system_config)
    ana, ben, eve = (User(hub, n, tokens[n], "student", system_config) for n in ("ana", "ben", "eve"))

    # -- the instructor: the course in ngshare, the roster, the course folder, lab 01 released
    manage = str(BIN / "ngshare-course-management")
    assert "Successfully created" in prof.run(manage, "create_course", COURSE_ID, "prof").stdout
    for student in ("ana", "ben"):
        prof.run(manage, "add_student", COURSE_ID, student, "--no-gb")
    assert hub.proc.poll() is None
    students_of = prof.get(f"/students/{COURSE_ID}")
    assert students_of["success"] and {s["username"] for s in students_of["students"]} == {"ana", "ben"}
    course = prof.home / "vae-course"
    prof.run(sys.executable, str(ROOT / "hub" / "course_folder.py"), str(course))
    prof.nbgrader("generate_assignment", LAB, "--force", cwd=course)
    log = prof.nbgrader("release_assignment", LAB, cwd=course)
    assert f"Successfully released {LAB}" in log, log[-2000:]
    released = prof.get(f"/assignments/{COURSE_ID}")
    assert released["success"] and released["assignments"] == [LAB], released  # stored, not only reported

    # -- students: list, fetch, submit (A twice: the blank lab, then the solution)
    for student in (ana, ben):
        assert LAB in student.nbgrader("list"), f"{student.name} does not see {LAB} released"
        student.nbgrader("fetch_assignment", LAB)
        fetched = student.home / LAB / f"{LAB}.ipynb"
        assert fetched.is_file(), f"{student.name}'s fetch wrote nothing"
        assert nbformat.read(fetched, as_version=4).cells == nbformat.read(
            course / "labs" / LAB / f"{LAB}.ipynb", as_version=4).cells
        assert "Submitted as" in student.nbgrader("submit", LAB)
    time.sleep(1.1)  # a later timestamp for A's second submission
    shutil.copy(ROOT / "solutions" / LAB / f"{LAB}.ipynb", ana.home / LAB / f"{LAB}.ipynb")
    ana_second = ana.nbgrader("submit", LAB)
    assert "Submitted as" in ana_second

    # -- an outsider: a hub user the course does not list
    assert "Permission denied" in eve.nbgrader("list")
    assert "Permission denied" in eve.nbgrader("fetch_assignment", LAB)
    assert not (eve.home / LAB).exists()
    (eve.home / LAB).mkdir()
    shutil.copy(ROOT / "solutions" / LAB / f"{LAB}.ipynb", eve.home / LAB / f"{LAB}.ipynb")
    assert "Failed to submit" in eve.nbgrader("submit", LAB)

    # -- a student who tries: other submissions, the instructor's commands, another name
    for path in (f"/submissions/{COURSE_ID}/{LAB}", f"/submission/{COURSE_ID}/{LAB}/ben",
                 f"/students/{COURSE_ID}"):
        answer = ana.get(path)
        assert answer == {"success": False, "message": "Permission denied"}, (path, answer)
    assert "Permission denied" in ana.nbgrader("collect", LAB, fails=True)
    assert not (ana.home / "submitted").exists()
    posing = ana.nbgrader("submit", LAB, env={"JUPYTERHUB_USER": "ben"})
    assert "Submitted as" in posing  # accepted, but as ana: ngshare knows the sender by the token
    without_token = requests.get(f"{hub.ngshare}/courses", timeout=30, allow_redirects=False)
    assert without_token.status_code in (302, 403), without_token.status_code
    submissions = prof.get(f"/submissions/{COURSE_ID}/{LAB}")
    assert submissions["success"]
    by_student: dict[str, list[str]] = {}
    for s in submissions["submissions"]:
        by_student.setdefault(s["student_id"], []).append(s["timestamp"])
    assert sorted(by_student) == ["ana", "ben"] and len(by_student["ana"]) == 3 and len(by_student["ben"]) == 1

    # -- the instructor: collect (each student's latest), grade in the sandbox, feedback
    log = prof.nbgrader("collect", LAB, cwd=course)
    assert {p.name for p in (course / "submitted").iterdir()} == {"ana", "ben"}, log[-2000:]
    latest = max(by_student["ana"])
    stamp = (course / "submitted" / "ana" / LAB / "timestamp.txt").read_text().strip()
    assert stamp[:19] == latest.replace("T", " ")[:19], (stamp, latest)
    out = prof.run(sys.executable, "-m", "course_grading.autograde", LAB, "--create", "--jobs=2", cwd=course,
                   timeout=900)
    assert "2 graded" in out.stdout + out.stderr, (out.stdout + out.stderr)[-2000:]
    total, _ = auto_points()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        scores = {s: sum(g.auto_score or 0 for nb in gb.find_submission(LAB, s).notebooks for g in nb.grades)
                  for s in ("ana", "ben")}
    assert scores == {"ana": total, "ben": 0}, scores
    prof.run(sys.executable, "-m", "course_grading.refresh", LAB, cwd=course, timeout=600)
    assert "Feedback released" in prof.nbgrader("release_feedback", LAB, cwd=course)

    # -- each student fetches their own feedback; posing as another fetches nothing of theirs
    posing = ben.nbgrader("fetch_feedback", LAB, env={"JUPYTERHUB_USER": "ana"})
    pages = {}
    for student in (ana, ben):
        student.nbgrader("fetch_feedback", LAB)
        found = sorted((student.home / LAB / "feedback").rglob("*.html"))
        assert found, f"{student.name} fetched no feedback"
        pages[student.name] = found
    assert len(pages["ben"]) == 1, f"ben, posing as ana, got more than his own feedback: {pages['ben']}"
    assert len(pages["ana"]) == 1 and latest.replace("T", " ")[:19] in str(pages["ana"][0])
    # the lab's heading: "(Score: 12.0 / 14.0; 2 points still wait for hand-grading)</h4>" (course_grading.feedback)
    header = re.search(r"\(Score: ([\d.]+) / ([\d.]+)[^)]*\)</h4>", pages["ana"][0].read_text())
    assert header and float(header.group(1)) == total, header and header.group(0)
    answer = ben.get(f"/feedback/{COURSE_ID}/{LAB}/ana?timestamp={latest}")
    assert answer == {"success": False, "message": "Permission denied"}, answer
    print(f"one term through ngshare in {time.monotonic() - started:.0f} s")
