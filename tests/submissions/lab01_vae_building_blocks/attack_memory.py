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
# Wait at most 14 s (the test's cell timeout is 20 s): on a loaded machine the kernel can reclaim
# for a while before it kills, and a cell that times out would print nothing at all.
_codes, _deadline = {}, time.monotonic() + 14
while len(_codes) < len(_kids) and time.monotonic() < _deadline:
    for _p in _kids:
        if _p not in _codes:
            _done, _status = os.waitpid(_p, os.WNOHANG)
            if _done:
                _codes[_p] = _status
    time.sleep(0.05)
_late = [p for p in _kids if p not in _codes]
for _p in _late:
    os.kill(_p, 9)
    os.waitpid(_p, 0)
print("MEMORY: children killed:", sum(1 for c in _codes.values() if os.WIFSIGNALED(c)), "still running at 14 s:", len(_late))
