# base: solution
# Honest answers, plus a cell that tries to reach the grading machine over TCP (the test listens on
# 127.0.0.1:47613 outside the sandbox) and lists the network interfaces it can see.
# %% kl_answer append
import socket

try:
    _s = socket.create_connection(("127.0.0.1", 47613), timeout=3)
    _s.sendall(b"LEAK from a submission")
    _s.close()
    print("NETWORK: connected")
except OSError as _err:
    print(f"NETWORK: blocked ({type(_err).__name__})")
print("INTERFACES:", [name for _, name in socket.if_nameindex()])
