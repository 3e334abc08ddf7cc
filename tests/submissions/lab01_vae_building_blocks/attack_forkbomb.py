# base: solution
# Honest answers up to the decoder, whose cell forks without end. The sandbox stops the kernel:
# the decoder and VAE tests (after the bomb) score 0, the earlier ones keep their points, and
# the students graded beside it are not affected.
# %% decoder_answer append
import os

while True:
    try:
        os.fork()
    except OSError:
        pass
