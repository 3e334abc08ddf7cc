# base: solution
# An answer cell that kills the kernel.
# %% decoder_answer
import os

os._exit(1)
