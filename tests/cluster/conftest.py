import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from netcluster import NetCluster, available  # noqa: E402

_REASON = available()


def pytest_collection_modifyitems(config, items):
    if _REASON is None:
        return
    skip = pytest.mark.skip(reason=f"multi-host cluster tests skipped: {_REASON}")
    for item in items:
        if "tests/cluster" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture
def net(tmp_path):
    """Master host `m`, worker hosts `w1`/`w2`, driver host `d`; always torn down."""
    c = NetCluster(tmp_path, hosts=["m", "w1", "w2", "d"])
    yield c
    c.close()
