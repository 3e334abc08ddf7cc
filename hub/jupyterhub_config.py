"""JupyterHub for the course on one server: real Unix accounts, a roster, JupyterLab (hub/README.md).

Run as root from the repository root (`make hub-setup` first):

    COURSE_HUB_ROSTER=/srv/course/roster.csv .venv/bin/jupyterhub -f hub/jupyterhub_config.py

Everything here can be set from the environment (defaults in brackets):

    COURSE_HUB_PORT             public port of the proxy, on 127.0.0.1 [8000]
    COURSE_HUB_PROXY_API_PORT   the proxy's REST API, on 127.0.0.1 [8001]
    COURSE_HUB_API_PORT         the hub's own API, which the proxy and the single-user servers call [8081]
    COURSE_HUB_ROSTER           the roster: who may log in, and as what [hub/roster.csv]
    COURSE_HUB_STATE            the hub's state: sqlite db, cookie secret, pid files [hub/state/, not in git]
    COURSE_HUB_VENV             the Python environment every student's server runs from [.venv]
    COURSE_HUB_PROXY            the configurable-http-proxy binary [.venv/hub-vendor/node_modules/.bin/...]
    COURSE_HUB_COURSE_ID        nbgrader's course id [vae-chem, as in nbgrader_config.py]
    COURSE_HUB_EXCHANGE_DIR     the course's gate folder (root:<group>, 750), holding nbgrader's exchange
                                in exchange/ (1777) [/srv/nbgrader/<course id>]
    COURSE_HUB_UNIX_GROUP       the Unix group of the roster's people, the only ones who may enter the gate
                                folder [the course id]; the hub creates it and sets its members at each start
    CONFIGPROXY_AUTH_TOKEN      the secret the hub and the proxy share (read by JupyterHub itself); unset:
                                a fresh one each start, which is fine while the hub starts its own proxy

A setting that cannot work (a port in use, the proxy not installed, a roster that does not parse, an
environment students cannot run) stops the hub before it starts, with a message naming the cause and the fix.
"""

import csv
import grp
import os
import pwd
import re
import socket
import stat
import subprocess
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub provides get_config to its config file)

HUB_DIR = Path(__file__).resolve().parent
REPO = HUB_DIR.parent
ROLES = ("instructor", "student")
# what useradd accepts by default (Debian's NAME_REGEX), lower case: PAM logins are Unix names
USERNAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")


def fail(message: str) -> None:
    """Stop before JupyterHub starts, with one line that says what is wrong and how to fix it."""
    print(f"course hub: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def env_port(name: str, default: int) -> int:
    value = os.environ.get(name, str(default))
    if not value.isdigit() or not 0 < int(value) < 65536:
        fail(f"{name}={value!r} is not a port number (1-65535)")
    return int(value)


def require_free(port: int, variable: str) -> None:
    """JupyterHub's own message for a port in use is a traceback (or, for the proxy, a warning that it
    'appears to be running' elsewhere); say plainly which port and how to pick another."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # as the hub and the proxy bind: a port whose last connections are in TIME_WAIT is free
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            fail(
                f"port {port} on 127.0.0.1 ({variable}) is in use ({e.strerror}): another hub, or another "
                f"program, holds it (see `ss -ltnp 'sport = :{port}'`). Stop it, or choose a free port: "
                f"{variable}=<port> jupyterhub -f hub/jupyterhub_config.py"
            )


def read_roster(path: Path) -> dict[str, set[str]]:
    """The roster, hub/README.md "The roster": a CSV file with the header `username,role`, one row per
    person, role `instructor` or `student`; blank lines and lines starting with # are ignored."""
    if not path.is_file():
        fail(
            f"no roster at {path}: copy hub/roster.example.csv there and list your class "
            "(username,role), or point COURSE_HUB_ROSTER at your roster"
        )
    lines = [line for line in path.read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]
    rows = list(csv.reader(lines))
    if not rows or [h.strip().lower() for h in rows[0]] != ["username", "role"]:
        fail(f"{path}: the first row must be the header `username,role`, found {rows[0] if rows else 'nothing'}")
    people: dict[str, set[str]] = {role: set() for role in ROLES}
    seen: dict[str, str] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row]
        if len(cells) != 2:
            fail(f"{path}, row {number}: expected `username,role`, found {row}")
        name, role = cells[0], cells[1].lower()
        if not USERNAME.match(name):
            fail(f"{path}, row {number}: {name!r} is not a Unix user name (lower case, letters, digits, _ and -)")
        if role not in ROLES:
            fail(f"{path}, row {number}: role {cells[1]!r} for {name}; the role is `instructor` or `student`")
        if name in seen:
            fail(f"{path}, row {number}: {name} is listed twice (first as {seen[name]})")
        seen[name] = role
        people[role].add(name)
    if not people["instructor"]:
        fail(f"{path}: no instructor listed; at least one row needs the role `instructor`")
    return people


def require_usable_by_everyone(python: Path) -> None:
    """Each student's server runs as that student, so the environment must be reachable by any user:
    a venv made from an interpreter under /root (pyenv's default) is not, and every spawn would fail
    with a bare 'Permission denied' in the hub's log."""
    if not python.exists():
        fail(f"no Python at {python}: run `make setup`, or point COURSE_HUB_VENV at the course's environment")
    target = python.resolve()
    for folder in [*reversed(target.parents)]:
        if not folder.stat().st_mode & stat.S_IXOTH:
            fail(
                f"{python} resolves to {target}, under {folder}, which other users cannot enter: students' "
                "servers could not start. Install the course's environment where every user can read it "
                "(hub/README.md, 'The students' environment'), e.g. /usr/bin/python3 -m venv /opt/vae-course && "
                "/opt/vae-course/bin/pip install -e '.[grading,lab,hub]', and set COURSE_HUB_VENV=/opt/vae-course"
            )
    if not target.stat().st_mode & stat.S_IXOTH:
        fail(f"{target} is not executable by other users (chmod o+rx)")


# -- where things are ------------------------------------------------------------------------------------
port = env_port("COURSE_HUB_PORT", 8000)
proxy_api_port = env_port("COURSE_HUB_PROXY_API_PORT", 8001)
hub_api_port = env_port("COURSE_HUB_API_PORT", 8081)
if len({port, proxy_api_port, hub_api_port}) < 3:
    fail(f"COURSE_HUB_PORT, COURSE_HUB_PROXY_API_PORT and COURSE_HUB_API_PORT must differ: {port}, "
         f"{proxy_api_port}, {hub_api_port}")
roster = read_roster(Path(os.environ.get("COURSE_HUB_ROSTER", HUB_DIR / "roster.csv")))
state = Path(os.environ.get("COURSE_HUB_STATE", HUB_DIR / "state")).resolve()
venv = Path(os.environ.get("COURSE_HUB_VENV", REPO / ".venv")).absolute()
proxy = Path(os.environ.get("COURSE_HUB_PROXY", REPO / ".venv/hub-vendor/node_modules/.bin/configurable-http-proxy"))

if not (proxy.is_file() and os.access(proxy, os.X_OK)):
    fail(f"configurable-http-proxy is not installed at {proxy}: run `make hub-setup` (needs npm), "
         "or point COURSE_HUB_PROXY at the binary")
require_usable_by_everyone(venv / "bin" / "python")
for number, variable in [(port, "COURSE_HUB_PORT"), (proxy_api_port, "COURSE_HUB_PROXY_API_PORT"),
                         (hub_api_port, "COURSE_HUB_API_PORT")]:
    require_free(number, variable)
# the db and the cookie secret let anyone who reads them act as any user: root only
state.mkdir(mode=0o700, parents=True, exist_ok=True)
state.chmod(0o700)

# -- the network: everything on the loopback; a reverse proxy (TLS) or an ssh tunnel faces the students ----
c.JupyterHub.bind_url = f"http://127.0.0.1:{port}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{hub_api_port}"
# the hub starts the proxy from the project's own npm install (make hub-setup), and stops it on exit
c.ConfigurableHTTPProxy.command = [str(proxy)]
c.ConfigurableHTTPProxy.should_start = True
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")

# -- state outside git: the user db, the cookie secret (sessions survive a restart), the pid file --------
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
# stopping the hub stops every student's server too (the test checks no process of theirs is left)
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# -- who may log in: the roster, as real Unix accounts checked by PAM (JupyterHub's default authenticator) --
c.JupyterHub.authenticator_class = "pam"
# opening a PAM session (pam_systemd, pam_limits) fails in containers and adds nothing to a password check
c.PAMAuthenticator.open_sessions = False
c.Authenticator.allowed_users = roster["instructor"] | roster["student"]
# the roster is the whole truth: someone removed from it cannot log in again, even though the hub's db
# still remembers them (JupyterHub 5 would otherwise keep allowing every user already in its db)
c.Authenticator.allow_existing_users = False
# instructors administer the hub (start and stop servers, the admin page); students get their own server only
c.Authenticator.admin_users = roster["instructor"]
# groups, for nbgrader and for the admin page: who teaches and who takes the course
c.JupyterHub.load_groups = {
    "instructors": {"users": sorted(roster["instructor"])},
    "students": {"users": sorted(roster["student"])},
}

# -- each user's server: a JupyterLab process running as that Unix user, from the course's environment --
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(venv / "bin" / "python"), "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
# the kernel and the terminal find the course's python, jupyter and nbgrader first
c.Spawner.environment = {"PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin"}
# JupyterLab with torch and rdkit importable takes a while to start on a busy small server
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 120


# -- nbgrader's exchange (hub/README.md, "nbgrader through the hub") ---------------------------------------
# nbgrader's shared-folder exchange, with the permissions nbgrader documents and sets itself: the exchange
# root world-writable with the sticky bit (1777); per course, outbound/ (755: everyone fetches), inbound/
# (2733: anyone may drop a submission in, nobody but the instructor may list it) and feedback/ (711: a
# student reaches only the page whose name, a hash of their own submission's secret, they know).
# Around it, a gate folder that only the roster's people may enter (root:<group>, 750): a Unix user who
# is not in the course cannot fetch or submit at all (nbgrader says "Unwritable directory").
course_id = os.environ.get("COURSE_HUB_COURSE_ID", "vae-chem")
if not re.match(r"^[A-Za-z0-9_.-]+$", course_id):
    fail(f"COURSE_HUB_COURSE_ID={course_id!r}: letters, digits, '.', '_' and '-' only")
unix_group = os.environ.get("COURSE_HUB_UNIX_GROUP", course_id)
if not USERNAME.match(unix_group):
    fail(f"COURSE_HUB_UNIX_GROUP={unix_group!r} is not a Unix group name (lower case, letters, digits, _ and -)")
gate = Path(os.environ.get("COURSE_HUB_EXCHANGE_DIR", f"/srv/nbgrader/{course_id}")).absolute()
exchange = gate / "exchange"


def unix_user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def sync_course_group(group: str, members: list[str]) -> int:
    """The Unix group whose members may enter the gate folder: exactly the roster's people with an account."""
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        made = subprocess.run(["groupadd", "--system", group], capture_output=True, text=True)
        if made.returncode != 0:
            fail(f"could not create the Unix group {group} (COURSE_HUB_UNIX_GROUP): {made.stderr.strip()}")
        gid = grp.getgrnam(group).gr_gid
    # gpasswd -M sets the whole member list: someone taken off the roster leaves the group too
    done = subprocess.run(["gpasswd", "-M", ",".join(members), group], capture_output=True, text=True)
    if done.returncode != 0:
        fail(f"could not set the members of the Unix group {group}: {done.stderr.strip()}")
    return gid


if os.geteuid() == 0:  # only root can run a PAM hub that spawns servers as other users anyway
    gid = sync_course_group(unix_group, sorted(n for n in roster["instructor"] | roster["student"]
                                               if unix_user_exists(n)))
    for folder in reversed(gate.parents):
        if not folder.exists():
            folder.mkdir(mode=0o755)
    gate.mkdir(exist_ok=True)
    os.chown(gate, 0, gid)
    gate.chmod(0o750)
    exchange.mkdir(exist_ok=True)
    os.chown(exchange, 0, 0)
    exchange.chmod(0o1777)

# every server (and its terminal) reads hub/jupyter/common/nbgrader_config.py (exchange, course id) and
# its role's folder: students do not get the Formgrader, the course list or the "create assignment" tools
JUPYTER_DIRS = HUB_DIR / "jupyter"
c.Spawner.environment.update({
    "COURSE_NBGRADER_EXCHANGE": str(exchange),
    "COURSE_NBGRADER_COURSE_ID": course_id,
    "COURSE_NBGRADER_REPO": str(REPO),
})


def role_config(spawner) -> None:
    """Point the user's server at their role's Jupyter configuration (JUPYTER_CONFIG_PATH)."""
    role = "instructors" if spawner.user.name in roster["instructor"] else "students"
    spawner.environment = {**spawner.environment, "COURSE_HUB_ROLE": role[:-1],
                           "JUPYTER_CONFIG_PATH": os.pathsep.join([str(JUPYTER_DIRS / role),
                                                                   str(JUPYTER_DIRS / "common")])}


c.Spawner.pre_spawn_hook = role_config
