# base: solution
# An answer cell that never finishes: the cell timeout interrupts it.
# %% decoder_answer
while True:
    pass
