"""Repository-wide pytest setup for notebooks run by nbval (solutions/ and lectures/)."""

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if type(item).__module__.startswith("nbval"):
            item.add_marker(pytest.mark.slow)
            # a notebook's cells share one kernel: run them on one xdist worker, in order (--dist=loadgroup)
            item.add_marker(pytest.mark.xdist_group(f"nbval-{item.path.parent.name}-{item.path.stem}"))
