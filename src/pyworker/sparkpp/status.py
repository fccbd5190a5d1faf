"""sc.statusTracker(): PySpark's StatusTracker, SparkJobInfo and SparkStageInfo.

Answered by the C++ driver (PyStatusQuery) from the application's status store, as Spark's
tracker reads its AppStatusStore: jobs and stages it still retains; ids of unknown (or no
longer retained) jobs and stages give None.
"""
from collections import namedtuple

__all__ = ["SparkJobInfo", "SparkStageInfo", "StatusTracker"]


class SparkJobInfo(namedtuple("SparkJobInfo", "jobId stageIds status")):
    """Exposes information about Spark Jobs."""


class SparkStageInfo(namedtuple("SparkStageInfo", "stageId currentAttemptId name numTasks "
                                "numActiveTasks numCompletedTasks numFailedTasks")):
    """Exposes information about Spark Stages."""


class StatusTracker:
    """Low-level status reporting APIs for monitoring job and stage progress. These APIs
    intentionally provide very weak consistency semantics: results may be missing recent jobs
    or stages."""

    def __init__(self, sc):
        self._sc = sc

    def _query(self, what, **args):
        return self._sc._request("PyStatusQuery", {"what": what, "args": args})

    def getJobIdsForGroup(self, jobGroup=None):
        """Every job id (active or finished) of the group; None: the jobs with no group."""
        return self._query("job_ids_for_group", group=jobGroup)

    def getActiveStageIds(self):
        return self._query("active_stage_ids")

    def getActiveJobsIds(self):
        return self._query("active_job_ids")

    def getJobInfo(self, jobId):
        info = self._query("job_info", job=int(jobId))
        if info is None:
            return None
        return SparkJobInfo(info["jobId"], list(info["stageIds"]), info["status"])

    def getStageInfo(self, stageId):
        info = self._query("stage_info", stage=int(stageId))
        if info is None:
            return None
        return SparkStageInfo(info["stageId"], info["currentAttemptId"], info["name"],
                              info["numTasks"], info["numActiveTasks"],
                              info["numCompletedTasks"], info["numFailedTasks"])
