import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src", "pyworker")
sys.path.insert(0, PKG)
sys.path.insert(0, HERE)
os.environ.setdefault("PYTHONHASHSEED", "0")


@pytest.fixture
def gateway():
    from fakedriver import FakeGateway
    gw = FakeGateway(default_parallelism=4)
    yield gw
    gw.close()


@pytest.fixture
def sc(gateway):
    from sparkpp import SparkContext
    ctx = SparkContext(master="local[4]", appName="unit", gateway=gateway)
    yield ctx
    ctx.stop()
