"""Fixtures shared by the integration tests."""
import pytest

import jobs

# Job-side setup of the table tests (test_sql_tables.py, test_sql_catalog_api.py), put before the
# job's own text: the warehouse and an external directory from the environment, rows(df) sorted
# for comparison, error(fn) as [errorClass, first line] of what fn raises (None if nothing).
TABLE_JOB_SETUP = r'''
import os
import shutil
from pyspark.errors import AnalysisException

wh = os.environ["WAREHOUSE"]
ext = os.environ["EXTERNAL"]


def rows(d):
    return sorted([list(r) for r in d.collect()], key=repr)


def error(fn):
    try:
        fn()
    except AnalysisException as e:
        return [e.getErrorClass(), str(e).split("\n")[0]]
    except Exception as e:
        return [type(e).__name__, str(e).split("\n")[0]]
    return None
'''


class TablesApp:
    """Applications sharing one warehouse (tmp_path/wh) and an external directory (tmp_path/ext)."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.warehouse = str(tmp_path / "wh")
        self.env = {"WAREHOUSE": self.warehouse, "EXTERNAL": str(tmp_path / "ext")}
        self.conf = {"spark.sql.warehouse.dir": self.warehouse, "spark.sql.shuffle.partitions": "2"}

    def submit(self, name, job, master="local[2]", timeout=180):
        """Runs `job` (after TABLE_JOB_SETUP) from tmp_path and returns its JobResult."""
        return jobs.submit_ok(jobs.write_job(self.tmp_path, name, TABLE_JOB_SETUP + job), master=master,
                              conf=self.conf, env=self.env, cwd=str(self.tmp_path), timeout=timeout)


@pytest.fixture
def tables_app(tmp_path):
    return TablesApp(tmp_path)
