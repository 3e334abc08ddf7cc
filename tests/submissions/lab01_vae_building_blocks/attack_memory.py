# base: solution
# Honest answers; the KL cell asks for 30 GB at once and the ELBO cell has five processes take
# 1 GB each (5 GB, more than the sandbox's 4 GB in total). The first fails with a MemoryError in that
# cell; the second is stopped by the memory limit. Every test still passes: the answers were
# defined first, and nothing beyond this student's own cells is touched.
# %% kl_answer append
try:
    _blob = bytearray(30 * 1024**3)
except MemoryError:
    print("MEMORY: 30 GB refused")
# %% elbo_answer append
import os
import time

_kids = []
for _ in range(5):
    _pid = os.fork()
    if _pid == 0:
        try:
            _buf = bytearray(1024**3)
            _buf[:: 4096] = b"x" * len(range(0, len(_buf), 4096))
            time.sleep(1)
        finally:
            os._exit(0)
    _kids.append(_pid)
_codes = [os.waitpid(p, 0)[1] for p in _kids]
print("MEMORY: children killed:", sum(1 for c in _codes if os.WIFSIGNALED(c)))
