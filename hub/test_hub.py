"""A real JupyterHub with hub/jupyterhub_config.py, driven over HTTP: `make test-hub` (as root).

Not part of `make test` (pytest's testpaths are tests/, solutions/, lectures/): it creates Unix users,
which needs root, and starts a hub, its proxy and one JupyterLab per user.

What it checks (hub/README.md, "What works now"):
- each roster user logs in through the hub's own login form (PAM: the Unix password);
- a Unix user who is not in the roster, and a wrong password, are refused;
- each user's server starts, runs as that user's uid, and answers at /user/<name>/api/status;
- a student cannot open another student's server;
- stopping the hub leaves no server, proxy or user process behind, and every port it used is free;
- a hub that cannot start (port taken, proxy missing) says which, and how to fix it.
"""

import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "hub" / "jupyterhub_config.py"
BIN = Path(sys.executable).parent  # the course's .venv/bin: make test-hub runs .venv/bin/python -m pytest
JUPYTERHUB = BIN / "jupyterhub"
IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(
    not IS_ROOT, reason="make test-hub creates temporary Unix users and spawns servers as them: run it as root"
)
START_TIMEOUT = 240  # seconds for the hub to answer, and for each JupyterLab to be ready (a busy 2-core machine)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Free for a new server: nothing listens there (connections in TIME_WAIT do not count, as for any
    server, which binds with SO_REUSEADDR)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def pids_of_uid(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
            except FileNotFoundError:
                pass
    return pids


def proc_uids(pid: int) -> list[int]:
    """Real, effective, saved and filesystem uid of a process (/proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return [int(u) for u in line.split()[1:]]
    raise AssertionError(f"no Uid line for pid {pid}")


def listening_ports(pid: int) -> set[int]:
    """The TCP ports a process listens on: its socket inodes matched against /proc/net/tcp{,6}."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            link = os.readlink(fd)
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def pid_alive(pid: int) -> bool:
    try:
        return "(zombie)" not in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False


# -- the environment students' servers run from -----------------------------------------------------------


@pytest.fixture(scope="module")
def student_venv(tmp_path_factory):
    """The course's .venv when every user can run it; otherwise (a venv made from pyenv's Python under
    /root, as on this project's CI machine) a venv made from the system's Python of the same version that
    reads the course's site-packages: the config refuses an environment students cannot run."""
    python = BIN / "python"
    target = python.resolve()
    if all(p.stat().st_mode & 0o001 for p in target.parents) and target.stat().st_mode & 0o001:
        return BIN.parent
    system_python = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin:/bin")
    if not system_python:
        pytest.skip(f"{python} is not reachable by other users and there is no /usr/bin/python"
                    f"{sys.version_info.major}.{sys.version_info.minor} to build a shared environment from")
    folder = Path(tempfile.mkdtemp(prefix="course-hub-venv-"))
    folder.chmod(0o755)
    subprocess.run([system_python, "-m", "venv", "--without-pip", str(folder / "v")], check=True)
    site = Path(sysconfig.get_paths(vars={"base": str(folder / "v")})["purelib"])
    course_site = sysconfig.get_paths()["purelib"]  # this interpreter's, i.e. the course's .venv
    (site / "course-venv.pth").write_text(f"import site; site.addsitedir({course_site!r})\n")
    for data in ("etc/jupyter", "share/jupyter"):  # server extensions (JupyterLab) and Lab's assets: sys.prefix
        (folder / "v" / data).parent.mkdir(parents=True, exist_ok=True)
        (folder / "v" / data).symlink_to(BIN.parent / data)
    # the course's console scripts (nbgrader, jupyter, alembic, which nbgrader calls), run by this venv's python
    for script in BIN.iterdir():
        if script.is_file() and not script.is_symlink() and not (folder / "v" / "bin" / script.name).exists():
            with open(script, "rb") as fh:
                first = fh.readline()
                if first.startswith(b"#!") and b"python" in first:
                    target = folder / "v" / "bin" / script.name
                    target.write_bytes(f"#!{folder / 'v' / 'bin' / 'python'}\n".encode() + fh.read())
                    target.chmod(0o755)
    yield folder / "v"
    shutil.rmtree(folder, ignore_errors=True)


# -- temporary Unix users ---------------------------------------------------------------------------------


def _remove_user(name: str) -> None:
    try:
        uid = pwd.getpwnam(name).pw_uid
    except KeyError:
        return
    for pid in pids_of_uid(uid):  # only processes of this test's own temporary user
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    subprocess.run(["userdel", "-r", name], capture_output=True)


@pytest.fixture(scope="module")
def unix_users():
    """One instructor, two students and an outsider (a Unix user not in the roster), with random
    passwords; all removed afterwards (home folders too), whatever happened."""
    tag = secrets.token_hex(3)
    yield from temporary_users({"instructor": f"hubt{tag}i", "student1": f"hubt{tag}s1",
                                "student2": f"hubt{tag}s2", "outsider": f"hubt{tag}x"})


def temporary_users(names: dict[str, str]):
    """Make each Unix user of NAMES (role -> name) with a private (700) home and a random password; yield
    (names, passwords); remove them all afterwards, their homes and processes too, whatever happened."""
    passwords = {}
    try:
        for name in names.values():
            subprocess.run(["useradd", "-m", "-K", "HOME_MODE=0700", "-s", "/bin/bash", name], check=True,
                           capture_output=True)
            Path(pwd.getpwnam(name).pw_dir).chmod(0o700)
            passwords[name] = secrets.token_urlsafe(16)
            subprocess.run(["chpasswd"], input=f"{name}:{passwords[name]}\n", text=True, check=True,
                           capture_output=True)
        yield names, passwords
    finally:
        for name in names.values():
            _remove_user(name)
        assert not any(_exists(n) for n in names.values()), "a temporary user was not removed"


def _exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


# -- the hub ----------------------------------------------------------------------------------------------


class Hub:
    config = CONFIG  # the hub's configuration file
    ready_path = "/hub/api/"  # answers 200 once the hub (and what it waits for) is up

    def __init__(self, workdir: Path, roster: dict[str, str], venv: Path, **env):
        self.workdir = workdir
        self.state = workdir / "state"
        self.ports = {"COURSE_HUB_PORT": free_port(), "COURSE_HUB_PROXY_API_PORT": free_port(),
                      "COURSE_HUB_API_PORT": free_port()}
        roster_file = workdir / "roster.csv"
        self.write_roster(roster)
        # nbgrader's exchange and the course's Unix group: this test's own, removed by cleanup()
        self.gate = Path(tempfile.mkdtemp(prefix="course-hub-exchange-"))
        self.group = f"hubt{secrets.token_hex(3)}g"
        self.env = {**os.environ, **{k: str(v) for k, v in self.ports.items()},
                    "COURSE_HUB_ROSTER": str(roster_file), "COURSE_HUB_STATE": str(self.state),
                    "COURSE_HUB_VENV": str(venv), "COURSE_HUB_EXCHANGE_DIR": str(self.gate),
                    "COURSE_HUB_UNIX_GROUP": self.group, **env}
        self.env.pop("CONFIGPROXY_AUTH_TOKEN", None)
        self.url = f"http://127.0.0.1:{self.ports['COURSE_HUB_PORT']}"
        self.log = workdir / "jupyterhub.log"
        self.proc = None

    def write_roster(self, roster: dict[str, str]) -> None:
        text = "username,role\n" + "".join(f"{name},{role}\n" for name, role in roster.items())
        (self.workdir / "roster.csv").write_text(text)

    def start(self) -> subprocess.Popen:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen([str(JUPYTERHUB), "-f", str(self.config)], cwd=self.workdir, env=self.env,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self.proc

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"jupyterhub exited ({self.proc.returncode}) before it answered:\n"
                                     + self.log_tail())
            try:
                if requests.get(f"{self.url}{self.ready_path}", timeout=5).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"jupyterhub did not answer at {self.url} within {START_TIMEOUT} s:\n"
                             + self.log_tail())

    def proxy_pid(self) -> int | None:
        pid_file = self.state / "jupyterhub-proxy.pid"
        return int(pid_file.read_text()) if pid_file.exists() else None

    def cleanup(self) -> None:
        """Remove the exchange folder and the Unix group the hub made for this test."""
        shutil.rmtree(self.gate, ignore_errors=True)
        subprocess.run(["groupdel", self.group], capture_output=True)

    def stop(self) -> None:
        """SIGTERM, as systemd or Ctrl-C would: the hub stops every server and its proxy, then exits."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
            raise AssertionError("jupyterhub did not stop within 90 s of SIGTERM:\n" + self.log_tail()) from None


def login(hub: Hub, name: str, password: str) -> tuple[requests.Session, requests.Response]:
    """The hub's real login form: GET it for the _xsrf field, POST the credentials with the session's cookies."""
    session = requests.Session()
    page = session.get(f"{hub.url}/hub/login", timeout=30)
    page.raise_for_status()
    xsrf = re.search(r'name="_xsrf"\s+value="([^"]+)"', page.text)
    assert xsrf, "the login page has no _xsrf field"
    answer = session.post(f"{hub.url}/hub/login", data={"username": name, "password": password,
                                                        "_xsrf": xsrf.group(1)},
                          allow_redirects=False, timeout=60)
    return session, answer


def logged_in(session: requests.Session, answer: requests.Response) -> bool:
    return answer.status_code == 302 and any(c.name == "jupyterhub-hub-login" for c in session.cookies)


def api_token(hub: Hub, session: requests.Session, name: str) -> str:
    """A short-lived API token for a logged-in instructor, asked for as the hub's own pages do
    (cookie + the page's xsrf token)."""
    page = session.get(f"{hub.url}/hub/token", timeout=30)
    page.raise_for_status()
    xsrf = re.search(r'xsrf_token:\s*"([^"]+)"', page.text) or re.search(r'name="_xsrf"\s+value="([^"]+)"',
                                                                          page.text)
    assert xsrf, "no xsrf token on /hub/token"
    answer = session.post(f"{hub.url}/hub/api/users/{name}/tokens", json={"note": "test-hub", "expires_in": 900},
                          headers={"X-XSRFToken": xsrf.group(1)}, timeout=30)
    assert answer.status_code in (200, 201), (answer.status_code, answer.text[:500])
    return answer.json()["token"]


def start_servers(hub: Hub, api: requests.Session, names: list[str]) -> dict[str, dict]:
    """Start the servers of NAMES through the REST API (API: a session with an admin's token), all at once,
    and wait until each is ready; returns each one's server model (its `state` holds the pid)."""
    for name in names:
        answer = api.post(f"{hub.url}/hub/api/users/{name}/server", timeout=60)
        assert answer.status_code in (201, 202), (name, answer.status_code, answer.text[:300])
    servers = {}
    deadline = time.monotonic() + START_TIMEOUT
    while len(servers) < len(names):
        assert time.monotonic() < deadline, f"servers not ready after {START_TIMEOUT} s:\n" + hub.log_tail()
        assert hub.proc.poll() is None, "the hub exited:\n" + hub.log_tail()
        for name in names:
            server = api.get(f"{hub.url}/hub/api/users/{name}", timeout=30).json()["servers"].get("")
            if server and server["ready"]:
                servers[name] = server
        time.sleep(1)
    return servers


@pytest.fixture
def hub_workdir():
    folder = Path(tempfile.mkdtemp(prefix="course-hub-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# -- the tests --------------------------------------------------------------------------------------------


@needs_root
def test_a_class_logs_in_and_each_gets_their_own_server(unix_users, student_venv, hub_workdir):
    names, passwords = unix_users
    instructor, students = names["instructor"], [names["student1"], names["student2"]]
    hub = Hub(hub_workdir, {instructor: "instructor", students[0]: "student", students[1]: "student"},
              student_venv)
    try:
        hub.start()
        hub.wait_ready()
        proxy_pid = hub.proxy_pid()
        assert proxy_pid and pid_alive(proxy_pid), "the hub did not start its configurable-http-proxy"

        # logins through the form: every roster user in; an outsider and a wrong password out
        sessions = {}
        for name in [instructor, *students]:
            session, answer = login(hub, name, passwords[name])
            assert logged_in(session, answer), (name, answer.status_code, answer.text[:300])
            sessions[name] = session
        outsider = names["outsider"]
        session, answer = login(hub, outsider, passwords[outsider])
        assert not logged_in(session, answer) and answer.status_code == 403, (
            "a Unix user who is not in the roster must be refused", answer.status_code)
        session, answer = login(hub, students[0], passwords[students[1]])
        assert not logged_in(session, answer) and answer.status_code == 403, "a wrong password must be refused"

        # the instructor is an admin and sees the groups; students are not admins
        token = api_token(hub, sessions[instructor], instructor)
        api = requests.Session()
        api.headers["Authorization"] = f"token {token}"
        users = {u["name"]: u for u in api.get(f"{hub.url}/hub/api/users", timeout=30).json()}
        assert users[instructor]["admin"] and not any(users[s]["admin"] for s in students)
        assert outsider not in users, "the outsider must not even be recorded as a hub user"
        groups = {g["name"]: set(g["users"]) for g in api.get(f"{hub.url}/hub/api/groups", timeout=30).json()}
        assert groups["instructors"] == {instructor} and groups["students"] == set(students)

        # start every server at once (as the instructor, through the REST API), then wait for each
        everyone = [instructor, *students]
        for name in everyone:
            answer = api.post(f"{hub.url}/hub/api/users/{name}/server", timeout=60)
            assert answer.status_code in (201, 202), (name, answer.status_code, answer.text[:300])
        servers = {}
        deadline = time.monotonic() + START_TIMEOUT
        while len(servers) < len(everyone):
            assert time.monotonic() < deadline, f"servers not ready after {START_TIMEOUT} s:\n" + hub.log_tail()
            assert hub.proc.poll() is None, "the hub exited:\n" + hub.log_tail()
            for name in everyone:
                server = api.get(f"{hub.url}/hub/api/users/{name}", timeout=30).json()["servers"].get("")
                if server and server["ready"]:
                    servers[name] = server
            time.sleep(1)

        # each server is a process of that user's uid, answering on its own URL for its own user
        server_ports = {}
        for name, server in servers.items():
            pid = server["state"]["pid"]
            uid = pwd.getpwnam(name).pw_uid
            assert proc_uids(pid) == [uid] * 4, f"{name}'s server (pid {pid}) runs as {proc_uids(pid)}, not {uid}"
            assert "jupyterhub.singleuser" in Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
            server_ports[name] = listening_ports(pid)
            assert server_ports[name], f"{name}'s server (pid {pid}) listens on no port"
            session = sessions[name]
            lab = session.get(f"{hub.url}/user/{name}/lab", timeout=60)  # OAuth with the hub, then JupyterLab
            assert lab.status_code == 200 and lab.url.startswith(f"{hub.url}/user/{name}/lab"), (lab.status_code,
                                                                                                lab.url)
            status = session.get(f"{hub.url}/user/{name}/api/status", timeout=30)
            assert status.status_code == 200 and "started" in status.json(), (name, status.status_code)

        # a student cannot open a classmate's server, neither its pages nor its API
        for me, other in [(students[0], students[1]), (students[1], students[0])]:
            page = sessions[me].get(f"{hub.url}/user/{other}/lab", timeout=60)
            assert page.status_code == 403 or not page.url.startswith(f"{hub.url}/user/{other}/"), (
                f"{me} opened {other}'s server", page.status_code, page.url)
            answer = sessions[me].get(f"{hub.url}/user/{other}/api/status", timeout=30)
            assert answer.status_code in (401, 403), (f"{me} reached {other}'s API", answer.status_code, answer.url)

        # stop: each server through the API, then the hub itself; nothing of it may be left
        server_pids = {name: server["state"]["pid"] for name, server in servers.items()}
        for name in everyone:
            assert api.delete(f"{hub.url}/hub/api/users/{name}/server", timeout=60).status_code in (202, 204)
        deadline = time.monotonic() + 60
        while any(pid_alive(p) for p in server_pids.values()) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not [n for n, p in server_pids.items() if pid_alive(p)], "a server outlived its stop request"
        hub.stop()
        assert hub.proc.returncode == 0, f"jupyterhub exited with {hub.proc.returncode}:\n" + hub.log_tail()
        assert not pid_alive(proxy_pid), "the proxy outlived the hub"
        for variable, port in hub.ports.items():
            assert port_is_free(port), f"port {port} ({variable}) still in use after the hub stopped"
        for name, ports in server_ports.items():
            assert all(port_is_free(p) for p in ports), f"{name}'s server port {ports} still in use"
        for name in [*everyone, outsider]:
            left = pids_of_uid(pwd.getpwnam(name).pw_uid)
            assert not left, f"processes of {name} left after the hub stopped: {left}"

        # the roster is the whole truth: a student taken off it cannot log in after a restart, although
        # the hub's db (kept in the state folder) still knows them
        hub.write_roster({instructor: "instructor", students[0]: "student"})
        hub.start()
        hub.wait_ready()
        session, answer = login(hub, students[1], passwords[students[1]])
        assert not logged_in(session, answer) and answer.status_code == 403, "a student off the roster got in"
        session, answer = login(hub, students[0], passwords[students[0]])
        assert logged_in(session, answer), "a student still on the roster was refused after the restart"
        hub.stop()
        assert hub.proc.returncode == 0 and all(port_is_free(p) for p in hub.ports.values())
    finally:
        hub.stop()
        pid = hub.proxy_pid()
        if pid and pid_alive(pid):  # only the proxy this hub started, by its pid file
            os.kill(pid, signal.SIGTERM)
        hub.cleanup()


def _start_expecting_failure(hub: Hub) -> str:
    hub.start()
    try:
        hub.proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        hub.stop()
        raise AssertionError("the hub started although it should have refused:\n" + hub.log_tail()) from None
    assert hub.proc.returncode != 0
    hub.cleanup()
    return hub.log.read_text()


def test_a_port_in_use_is_named_with_its_fix(student_venv, hub_workdir):
    hub = Hub(hub_workdir, {"prof": "instructor", "ana": "student"}, student_venv)
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", hub.ports["COURSE_HUB_PORT"]))
        squatter.listen()
        log = _start_expecting_failure(hub)
    port = hub.ports["COURSE_HUB_PORT"]
    assert f"course hub: port {port} on 127.0.0.1 (COURSE_HUB_PORT) is in use" in log, log[-2000:]
    assert "COURSE_HUB_PORT=<port>" in log and "Traceback" not in log


def test_a_missing_proxy_says_make_hub_setup(student_venv, hub_workdir):
    hub = Hub(hub_workdir, {"prof": "instructor", "ana": "student"}, student_venv,
              COURSE_HUB_PROXY=str(hub_workdir / "no-such-proxy"))
    log = _start_expecting_failure(hub)
    assert "configurable-http-proxy is not installed" in log and "make hub-setup" in log, log[-2000:]
    assert "Traceback" not in log


def test_a_bad_roster_row_is_named(student_venv, hub_workdir):
    hub = Hub(hub_workdir, {"prof": "instructor", "ana": "teacher"}, student_venv)
    log = _start_expecting_failure(hub)
    assert "row 3: role 'teacher' for ana; the role is `instructor` or `student`" in log, log[-2000:]
    assert "Traceback" not in log
