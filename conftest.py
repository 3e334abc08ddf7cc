"""Repository-wide pytest setup for notebooks run by nbval (solutions/ and lectures/)."""

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """One compute thread per test worker when several workers share the cores.

    With `pytest -n auto`, every worker (and every notebook kernel or nbgrader run it starts, which
    inherit the environment) would otherwise use all cores; on 2 cores, two workers x two threads
    makes PyTorch's many small GRU operations spin-wait for descheduled threads and run 10x slower.
    """
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(max(1, (os.cpu_count() or 1) // workers))
        import torch

        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if type(item).__module__.startswith("nbval"):
            item.add_marker(pytest.mark.slow)
            # a notebook's cells share one kernel: run them on one xdist worker, in order (--dist=loadgroup)
            item.add_marker(pytest.mark.xdist_group(f"nbval-{item.path.parent.name}-{item.path.stem}"))
