"""One term of lab 01 through the hub and nbgrader's exchange: `make test-hub` (as root), after test_hub.py.

A real JupyterHub (hub/jupyterhub_config.py) with an instructor, three students and an outsider (a Unix
user who is not in the roster) as temporary Unix users, homes 700 as hub/README.md asks:

- the instructor, in a terminal of their own server's environment (`runuser`, with the environment read
  from their server's process), makes the course folder (hub/course_folder.py), generates and releases lab 01;
- each student works through their own server's Assignments-tab API, reached through the hub with their
  login cookie (`/user/<name>/assignments...`, the handlers of nbgrader's assignment-list extension): lists
  the released lab, fetches it, submits; A submits the blank lab first and then the solution, B the blank
  release, C a half-done copy (tests/submissions/lab01_vae_building_blocks/partial.py);
- the instructor collects, autogrades as `make autograde` does (`python -m course_grading.autograde LAB
  --create --jobs=2`, every submission in the bubblewrap sandbox, then `course_grading.refresh`, which
  generates the feedback) and releases the feedback; each student fetches theirs through the API.

Asserted: the exchange's permissions; the Formgrader only on the instructor's server; the gradebook's
scores (solution: every automatically graded point, blank: 0, partial: all but the ELBO test's 3 points);
the Formgrader, through its REST API as its pages use it, lists the lab with those scores and takes the
instructor's hand grade and comment on A's reflection answer, which the gradebook then holds;
the latest of A's two submissions is the one collected and graded, and A's feedback is for it; with the
due date recorded in the gradebook (`nbgrader db assignment add LAB --duedate=...`) between B's submission
and C's, C's submission is late and A's and B's are not; A cannot
list the inbound or feedback folders, nor read B's files or the gradebook (Permission denied); the
outsider can neither fetch nor submit (nbgrader: "Unwritable directory"). Users, processes, the exchange
and the group are removed afterwards, whatever happens.
"""

import grp
import json
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest
import requests
from nbgrader.api import Gradebook

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import grading_course  # noqa: E402  (builds the prepared submissions, as the grading tests do)
from test_hub import (  # noqa: E402, F401  (student_venv is a fixture used by name)
    START_TIMEOUT,
    Hub,
    api_token,
    logged_in,
    login,
    needs_root,
    pid_alive,
    student_venv,
    temporary_users,
)

ROOT = Path(__file__).resolve().parents[1]
LAB = "lab01_vae_building_blocks"
COURSE_ID = "vae-chem"
GRADING_TIMEOUT = 900  # seconds for the whole autograde of three submissions on two busy cores


@pytest.fixture(scope="module")
def term_users():
    """An instructor, three students and an outsider, with random passwords and private (700) homes."""
    tag = secrets.token_hex(3)
    yield from temporary_users({"instructor": f"hubx{tag}i", "a": f"hubx{tag}a", "b": f"hubx{tag}b",
                                "c": f"hubx{tag}c", "outsider": f"hubx{tag}x"})


def home(name: str) -> Path:
    return Path(pwd.getpwnam(name).pw_dir)


def server_environment(pid: int) -> dict[str, str]:
    """The environment a user's server runs with (what its terminal gets): /proc/<pid>/environ."""
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


def as_user(name: str, argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 300,
            check: bool = True) -> subprocess.CompletedProcess:
    """Run ARGV as the Unix user NAME (its groups too: runuser calls initgroups) with exactly ENV."""
    out = subprocess.run(["runuser", "-u", name, "--", "env", "-i", *[f"{k}={v}" for k, v in env.items()], *argv],
                         cwd=cwd, capture_output=True, text=True, timeout=timeout)
    if check and out.returncode != 0:
        raise AssertionError(f"{name}: {' '.join(argv)} exited {out.returncode}:\n{out.stdout[-3000:]}\n"
                             f"{out.stderr[-3000:]}")
    return out


def denied(name: str, argv: list[str], env: dict[str, str]) -> str:
    """ARGV run as NAME must fail with 'Permission denied'; returns its stderr."""
    out = as_user(name, argv, env, home(name), check=False)
    assert out.returncode != 0 and "Permission denied" in out.stderr, (
        f"{name} could run {' '.join(argv)}: rc {out.returncode}, {out.stdout[:300]!r} {out.stderr[:300]!r}")
    return out.stderr


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o7777


class Student:
    """A student's browser session: the hub's login cookie, then their server's nbgrader API through the hub."""

    def __init__(self, hub: Hub, name: str, session: requests.Session):
        self.hub, self.name, self.session = hub, name, session
        lab = session.get(f"{hub.url}/user/{name}/lab", timeout=120)  # OAuth with the hub: the server's cookie
        assert lab.status_code == 200, (name, lab.status_code, lab.url)
        self.lab_page = lab.text
        xsrf = session.cookies.get("_xsrf", path=f"/user/{name}/") or session.cookies.get("_xsrf")
        assert xsrf, f"{name}'s server set no _xsrf cookie"
        self.xsrf = xsrf

    def url(self, path: str) -> str:
        return f"{self.hub.url}/user/{self.name}/{path}"

    def assignments(self) -> list[dict]:
        answer = self.session.get(self.url("assignments"), params={"course_id": COURSE_ID}, timeout=120)
        assert answer.status_code == 200, (self.name, answer.status_code, answer.text[:500])
        body = answer.json()
        assert body["success"], (self.name, body)
        return body["value"]

    def action(self, action: str) -> dict:
        """What the Assignments tab's buttons do: POST /assignments/<fetch|submit|fetch_feedback>."""
        answer = self.session.post(self.url(f"assignments/{action}"),
                                   data={"course_id": COURSE_ID, "assignment_id": LAB},
                                   headers={"X-XSRFToken": self.xsrf}, timeout=300)
        assert answer.status_code == 200, (self.name, action, answer.status_code, answer.text[:500])
        body = answer.json()
        assert body.get("success", True), (self.name, action, body.get("value", body))
        return body


class Formgrader:
    """The instructor's Formgrader as their browser uses it: its REST API on their server, through the hub, with
    their login cookie and the server's xsrf token (nbgrader checks it on every request)."""

    def __init__(self, hub: Hub, name: str, session: requests.Session):
        self.hub, self.name, self.session = hub, name, session
        lab = session.get(f"{hub.url}/user/{name}/lab", timeout=120)
        assert lab.status_code == 200, (name, lab.status_code)
        self.xsrf = session.cookies.get("_xsrf", path=f"/user/{name}/") or session.cookies.get("_xsrf")
        assert self.xsrf, f"{name}'s server set no _xsrf cookie"

    def url(self, path: str) -> str:
        return f"{self.hub.url}/user/{self.name}/formgrader/api/{path}"

    def get(self, path: str, **params: object):
        answer = self.session.get(self.url(path), params=params, headers={"X-XSRFToken": self.xsrf}, timeout=120)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
        return answer.json()

    def put(self, path: str, body: dict) -> dict:
        answer = self.session.put(self.url(path), json=body, headers={"X-XSRFToken": self.xsrf}, timeout=120)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
        return answer.json()


def write_notebook(nb: nbformat.NotebookNode, path: Path, owner: str) -> None:
    """Save NB as the student would (their file, their mode)."""
    nbformat.write(nb, path)
    entry = pwd.getpwnam(owner)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def auto_points() -> tuple[int, dict[str, int]]:
    """The lab's automatically graded points: the total, and each test cell's."""
    nb = nbformat.read(ROOT / "solutions" / LAB / f"{LAB}.ipynb", as_version=4)
    tests = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            tests[meta["grade_id"]] = int(meta["points"])
    return sum(tests.values()), tests


@needs_root
def test_one_term_of_lab01_through_the_hub(term_users, student_venv):  # noqa: F811 (the fixture)
    names, passwords = term_users
    instructor, a, b, c, outsider = (names[k] for k in ("instructor", "a", "b", "c", "outsider"))
    students = [a, b, c]
    workdir = Path(tempfile.mkdtemp(prefix="course-hub-"))
    hub = Hub(workdir, {instructor: "instructor", a: "student", b: "student", c: "student"}, student_venv)
    try:
        hub.start()
        hub.wait_ready()

        # the exchange the hub prepared: a gate only the course's group may enter, nbgrader's root inside
        gate, exchange = hub.gate, hub.gate / "exchange"
        assert gate.stat().st_uid == 0 and mode(gate) == 0o750, oct(mode(gate))
        assert exchange.stat().st_uid == 0 and mode(exchange) == 0o1777, oct(mode(exchange))
        assert set(grp.getgrnam(hub.group).gr_mem) == {instructor, *students}

        # everyone logs in; the instructor starts the four servers through the API
        sessions = {}
        for name in [instructor, *students]:
            session, answer = login(hub, name, passwords[name])
            assert logged_in(session, answer), (name, answer.status_code)
            sessions[name] = session
        api = requests.Session()
        api.headers["Authorization"] = f"token {api_token(hub, sessions[instructor], instructor)}"
        for name in [instructor, *students]:
            answer = api.post(f"{hub.url}/hub/api/users/{name}/server", timeout=60)
            assert answer.status_code in (201, 202), (name, answer.status_code, answer.text[:300])
        pids = {}
        deadline = time.monotonic() + START_TIMEOUT
        while len(pids) < 4:
            assert time.monotonic() < deadline, "servers not ready:\n" + hub.log_tail()
            for name in [instructor, *students]:
                server = api.get(f"{hub.url}/hub/api/users/{name}", timeout=30).json()["servers"].get("")
                if server and server["ready"]:
                    pids[name] = server["state"]["pid"]
            time.sleep(1)
        env = {name: server_environment(pid) for name, pid in pids.items()}
        assert env[a]["COURSE_NBGRADER_EXCHANGE"] == str(exchange) and env[a]["COURSE_HUB_ROLE"] == "student"
        assert env[instructor]["COURSE_HUB_ROLE"] == "instructor"

        # the Formgrader is on the instructor's server only; students' Lab has no nbgrader instructor tools
        formgrader = sessions[instructor].get(f"{hub.url}/user/{instructor}/formgrader", timeout=120)
        assert formgrader.status_code == 200 and f"/user/{instructor}/formgrader" in formgrader.url, formgrader.url
        tabs = {s: Student(hub, s, sessions[s]) for s in students}
        answer = sessions[a].get(f"{hub.url}/user/{a}/formgrader", timeout=60)
        assert answer.status_code == 404, f"a student's server serves the Formgrader ({answer.status_code})"
        page_config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                           tabs[a].lab_page, re.S).group(1))
        disabled = page_config.get("disabledExtensions")
        assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"} <= set(disabled or []), (
            "the student's JupyterLab keeps nbgrader's instructor labextensions", disabled)

        # the instructor: course folder, generate, release (in their server's environment, as their terminal)
        venv_bin = Path(env[instructor]["PATH"].split(":")[0])
        python = str(venv_bin / "python")
        nbgrader = [python, "-m", "nbgrader"]  # as `nbgrader` in the terminal (the test's shared venv has no scripts)
        course = home(instructor) / "vae-course"
        as_user(instructor, [python, str(ROOT / "hub" / "course_folder.py")], env[instructor], home(instructor))
        assert (course / "solutions" / LAB / f"{LAB}.ipynb").is_file()
        if student_venv.resolve() != (ROOT / ".venv").resolve():
            # the test's shared venv reads the course's packages from .venv (see student_venv): the grading
            # sandbox must see them too; on a real server the venv itself holds them and this is not needed
            with open(course / "nbgrader_config.py", "a") as fh:
                fh.write(f"c.Sandbox.extra_ro_binds = [{sysconfig.get_paths()['purelib']!r}]\n")
        as_user(instructor, [*nbgrader, "generate_assignment", LAB, "--force"], env[instructor], course)
        as_user(instructor, [*nbgrader, "release_assignment", LAB], env[instructor], course)
        course_x = exchange / COURSE_ID
        inbound, outbound, feedback_x = course_x / "inbound", course_x / "outbound", course_x / "feedback"
        owner = pwd.getpwnam(instructor).pw_uid
        assert inbound.stat().st_uid == owner and mode(inbound) == 0o2733, oct(mode(inbound))
        assert outbound.stat().st_uid == owner and mode(outbound) == 0o755, oct(mode(outbound))
        assert (outbound / LAB / f"{LAB}.ipynb").is_file()

        # students: the Assignments tab lists the lab as released; fetch; submit
        for s in students:
            listed = [x for x in tabs[s].assignments() if x["assignment_id"] == LAB]
            assert listed and listed[0]["status"] == "released", (s, listed)
            tabs[s].action("fetch")
            assert (home(s) / LAB / f"{LAB}.ipynb").is_file(), f"{s}'s fetch left no notebook"
        release = nbformat.read(home(a) / LAB / f"{LAB}.ipynb", as_version=4)
        tabs[a].action("submit")  # A: the blank release first ...
        time.sleep(1.5)
        write_notebook(grading_course.build_submission(LAB, release, "solution"), home(a) / LAB / f"{LAB}.ipynb", a)
        tabs[a].action("submit")  # ... then the solution: this one counts
        tabs[b].action("submit")  # B: the fetched release as it is
        # the due date falls here: A's and B's submissions are on time, C's (next) is late
        time.sleep(1.5)
        due = datetime.now(timezone.utc)
        time.sleep(1.5)
        write_notebook(grading_course.build_submission(LAB, release, "partial"), home(c) / LAB / f"{LAB}.ipynb", c)
        tabs[c].action("submit")
        mine = sorted(inbound.glob(f"{a}+{LAB}+*"))
        assert len(mine) == 2, mine
        a_timestamps = sorted((p / "timestamp.txt").read_text() for p in mine)
        listed = [x for x in tabs[a].assignments() if x["assignment_id"] == LAB and x["status"] == "submitted"]
        assert {sub["timestamp"] for x in listed for sub in x["submissions"]} == set(a_timestamps), listed

        # isolation: A cannot list the inbound folder, nor open B's home, B's notebook or the gradebook's folder
        denied(a, ["ls", str(inbound)], env[a])
        denied(a, ["ls", str(home(b))], env[a])
        denied(a, ["cat", str(home(b) / LAB / f"{LAB}.ipynb")], env[a])
        denied(a, ["touch", str(outbound / LAB / "planted.txt")], env[a])
        denied(a, ["ls", str(course)], env[a])

        # the outsider (a Unix account, not in the roster) can neither fetch nor submit, nor see the exchange
        outsider_env = {"PATH": env[a]["PATH"], "HOME": str(home(outsider)), "USER": outsider,
                        "LOGNAME": outsider, "JUPYTER_CONFIG_PATH": env[a]["JUPYTER_CONFIG_PATH"],
                        "COURSE_NBGRADER_EXCHANGE": str(exchange), "COURSE_NBGRADER_COURSE_ID": COURSE_ID}
        denied(outsider, ["ls", str(gate)], outsider_env)
        shutil.copytree(home(a) / LAB, home(outsider) / LAB, ignore=shutil.ignore_patterns("feedback"))
        subprocess.run(["chown", "-R", f"{outsider}:", str(home(outsider) / LAB)], check=True)
        for action in (["fetch_assignment", LAB], ["submit", LAB]):
            out = as_user(outsider, [*nbgrader, *action], outsider_env, home(outsider), check=False)
            assert out.returncode != 0 and "Unwritable directory" in out.stdout + out.stderr, (
                action, out.returncode, out.stdout[-800:], out.stderr[-800:])
        assert not list(inbound.glob(f"{outsider}+*")), "the outsider's submission reached the exchange"

        # the instructor records the due date in the gradebook, as nbgrader documents (`nbgrader db assignment
        # add`); then collect (the latest of A's two), autograde as `make autograde`, feedback, release it
        due_text = due.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
        as_user(instructor, [*nbgrader, "db", "assignment", "add", LAB, f"--duedate={due_text}"], env[instructor],
                course)
        as_user(instructor, [*nbgrader, "collect", LAB], env[instructor], course)
        assert (course / "submitted" / a / LAB / "timestamp.txt").read_text() == a_timestamps[-1], (
            "the collected submission of A is not the latest")
        started = time.monotonic()
        graded = as_user(instructor, [python, "-m", "course_grading.autograde", LAB, "--create", "--jobs=2",
                                      "--log-level=WARN"], env[instructor], course, timeout=GRADING_TIMEOUT)
        grading_s = time.monotonic() - started
        assert "sandbox: bubblewrap" in graded.stdout, graded.stdout[-2000:]
        assert f"autograde {LAB}: 3 graded" in graded.stdout, graded.stdout[-2000:]
        shared_python = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:3])"],
                                       capture_output=True, text=True, check=True).stdout.split()
        if shared_python == [str(v) for v in sys.version_info[:3]]:
            as_user(instructor, [python, "-m", "course_grading.refresh", LAB], env[instructor], course)
        else:
            # The test's shared venv runs on the system's Python (Debian 12: 3.11.2), whose `re` cannot compile
            # soupsieve 4's selectors ("img:not([alt])": SelectorSyntaxError) while nbconvert makes the HTML
            # feedback; the course's own Python (sys.version) can. So here the pages are made by the course's
            # Python, as root, and handed to the instructor (hub/README.md, "Known problem"). Everything else
            # above and below runs as the instructor.
            made = subprocess.run([sys.executable, "-m", "course_grading.refresh", LAB], cwd=course, text=True,
                                  capture_output=True, env={**os.environ, "PATH": f"{Path(sys.executable).parent}:"
                                                            f"{os.environ.get('PATH', '/usr/bin:/bin')}"})
            assert made.returncode == 0, made.stdout[-2000:] + made.stderr[-2000:]
            subprocess.run(["chown", "-R", f"{instructor}:", str(course)], check=True)
        as_user(instructor, [*nbgrader, "release_feedback", LAB], env[instructor], course)
        assert mode(feedback_x) == 0o711, oct(mode(feedback_x))

        # the scores, from the gradebook through nbgrader's API
        total, tests = auto_points()
        expected = {a: total, b: 0, c: total - tests["elbo_test"]}
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
            scores = {s: sum(g.auto_score or 0 for nb in gb.find_submission(LAB, s).notebooks for g in nb.grades)
                      for s in students}
            assert scores == expected, (scores, expected)
            assert gb.find_submission(LAB, a).timestamp.isoformat(" ")[:19] == a_timestamps[-1][:19]
            # late: nbgrader compares each submission's timestamp with the gradebook's due date
            assert gb.find_assignment(LAB).duedate.isoformat(" ")[:23] == due_text[:23], gb.find_assignment(LAB).duedate
            late = {s: gb.find_submission(LAB, s).total_seconds_late for s in students}
            assert late[a] == 0 and late[b] == 0 and late[c] > 0, late
        print(f"\nautograde of {len(students)} submissions (sandboxed, 2 jobs): {grading_s:.0f} s; scores {scores}")

        # the Formgrader, as the instructor's browser drives it (its REST API, through the hub with their login
        # cookie and their server's xsrf token): the lab's three submissions with the scores above, then A's
        # reflection answer graded by hand (2 points and a comment) and C's left waiting; the gradebook agrees
        fg = Formgrader(hub, instructor, sessions[instructor])
        listed = fg.get("assignments")
        lab_row = next((x for x in listed if x.get("name") == LAB), None)
        assert lab_row, f"the Formgrader does not list {LAB}: {listed}"
        assert lab_row["num_submissions"] == 3, lab_row
        rows = {r["student"]: r for r in fg.get(f"submitted_notebooks/{LAB}/{LAB}")}
        # A's and C's reflection answers wait for a person; B's is the release's blank, which nbgrader scores 0 itself
        assert {s: rows[s]["needs_manual_grade"] for s in students} == {a: True, b: False, c: True}, rows
        assert {s: rows[s]["score"] for s in students} == expected, rows
        grades = fg.get("grades", submission_id=rows[a]["id"])
        waiting = [g for g in grades if g["needs_manual_grade"]]
        assert [g["max_score"] for g in waiting] == [2.0], waiting  # the reflection question only
        graded_by_hand = fg.put(f"grade/{waiting[0]['id']}", {"manual_score": 2})
        assert graded_by_hand["manual_score"] == 2 and not graded_by_hand["needs_manual_grade"], graded_by_hand
        comment = next(c for c in fg.get("comments", submission_id=rows[a]["id"]) if c["name"] == waiting[0]["name"])
        fg.put(f"comment/{comment['id']}", {"manual_comment": "A clear account of the trade-off."})
        rows = {r["student"]: r for r in fg.get(f"submitted_notebooks/{LAB}/{LAB}")}
        assert rows[a]["score"] == total + 2 and not rows[a]["needs_manual_grade"] and rows[c]["needs_manual_grade"]
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
            a_grades = [g for nb in gb.find_submission(LAB, a).notebooks for g in nb.grades]
            assert [(g.name, g.manual_score) for g in a_grades if g.manual_score is not None] == [
                (waiting[0]["name"], 2.0)]
            assert gb.find_submission(LAB, a).score == total + 2 and gb.find_submission(LAB, c).needs_manual_grade
            assert [c.manual_comment for nb in gb.find_submission(LAB, a).notebooks for c in nb.comments
                    if c.manual_comment] == ["A clear account of the trade-off."]
        assert tabs[a].session.get(fg.url("assignments"), timeout=60).status_code == 403  # not A's server

        # each student fetches their own feedback through the API: A's is for the latest submission
        for s in students:
            tabs[s].action("fetch_feedback")
            pages = sorted((home(s) / LAB / "feedback").glob(f"*/{LAB}.html"))
            assert len(pages) == 1, (s, pages)
            assert pages[0].stat().st_uid == pwd.getpwnam(s).pw_uid
        assert (home(a) / LAB / "feedback" / a_timestamps[-1] / f"{LAB}.html").is_file()
        denied(a, ["ls", str(feedback_x)], env[a])
        b_page = next((home(b) / LAB / "feedback").glob(f"*/{LAB}.html"))
        denied(a, ["cat", str(b_page)], env[a])
        denied(a, ["cat", str(course / "gradebook.db")], env[a])

        hub.stop()
        assert hub.proc.returncode == 0, hub.log_tail()
        assert not any(pid_alive(p) for p in pids.values()), "a server outlived the hub"
    finally:
        hub.stop()
        pid = hub.proxy_pid()
        if pid and pid_alive(pid):
            os.kill(pid, 15)
        hub.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    assert not hub.gate.exists()
    assert subprocess.run(["getent", "group", hub.group], capture_output=True).returncode != 0, "group left"

