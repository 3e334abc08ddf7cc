"""The last step before a sandboxed kernel starts: limits, cgroup, then ``exec bwrap``.

Run as ``python -m course_grading._launch SPEC_JSON -- BWRAP ARGS...`` by
:class:`course_grading.sandbox.SandboxKernelManager`. It imports nothing heavy (it runs once per
submission), sets the resource limits every process in the sandbox inherits, moves itself into
the submission's cgroups (when the machine has writable ones) and replaces itself with bwrap, so
the process the kernel manager holds *is* bwrap: killing it ends the whole sandbox
(``--die-with-parent`` and the PID namespace take every descendant with it).
"""

from __future__ import annotations

import json
import os
import resource
import sys


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "--":
        sys.stderr.write("usage: python -m course_grading._launch SPEC_JSON -- BWRAP ARGS...\n")
        raise SystemExit(2)
    spec = json.loads(argv[0])
    for name, value in spec.get("rlimits", {}).items():
        limit = getattr(resource, name)
        resource.setrlimit(limit, (value, value))
    for procs in spec.get("cgroup_procs", []):
        with open(procs, "w") as fh:
            fh.write(str(os.getpid()))
    os.execv(argv[2], argv[2:])


if __name__ == "__main__":
    main(sys.argv[1:])
