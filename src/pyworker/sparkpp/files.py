"""SparkFiles: where files shipped with the job live on this machine.

The root is taken from SPARKPP_FILES_DIR (set by the executor for workers / by submit for the
driver) or, inside a task, the `spark.files.root` task property; else the current directory.
"""
import os

__all__ = ["SparkFiles"]


class SparkFiles:
    _root_directory = None
    _is_running_on_worker = False

    def __init__(self):
        raise NotImplementedError("Do not construct SparkFiles objects")

    @classmethod
    def get(cls, filename):
        return os.path.abspath(os.path.join(cls.getRootDirectory(), filename))

    @classmethod
    def getRootDirectory(cls):
        if cls._root_directory:
            return cls._root_directory
        return os.environ.get("SPARKPP_FILES_DIR") or os.getcwd()
