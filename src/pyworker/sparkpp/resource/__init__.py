"""pyspark.resource: stage-level resource requests (ResourceProfile and its builders).

sparkpp accepts them (rdd.withResources / getResourceProfile, PySpark's API without a JVM);
standalone scheduling here uses one profile per application, so a profile's requests are
recorded, not used to acquire new executors (Spark's standalone mode needs dynamic allocation
for that too)."""
from sparkpp.resource.information import ResourceInformation
from sparkpp.resource.profile import ResourceProfile, ResourceProfileBuilder
from sparkpp.resource.requests import (ExecutorResourceRequest, ExecutorResourceRequests,
                                       TaskResourceRequest, TaskResourceRequests)

__all__ = [
    "TaskResourceRequest", "TaskResourceRequests", "ExecutorResourceRequest",
    "ExecutorResourceRequests", "ResourceProfile", "ResourceInformation",
    "ResourceProfileBuilder",
]
