"""The cluster's `dbruntime`: what `databricks.sdk.runtime` imports on a Databricks cluster.

databricks-sdk looks for `dbruntime.UserNamespaceInitializer`; when it is there, `from
databricks.sdk.runtime import dbutils, spark, display` gives the cluster's own objects, in wheel
and Python-file tasks as in notebooks. task_main.py calls `configure(spec)` before the task runs.
"""

import os

from dbruntime.dbutils import DbUtils, LazySpark, display

_spec = None


def configure(spec):
    """The task this process runs (its widgets, DBFS root and task values)."""
    global _spec
    _spec = spec
    UserNamespaceInitializer._instance = None


def shutdown():
    """Closes the Spark Connect session if the task opened one (else its client retries ~30 s at exit)."""
    if LazySpark.session is not None:
        LazySpark.session.stop()
        LazySpark.session = None


class UserNamespaceInitializer:
    _instance = None

    def __init__(self, spec):
        self._globals = {"spark": LazySpark(), "dbutils": DbUtils(spec), "display": display}

    @classmethod
    def getOrCreate(cls):
        if cls._instance is None:
            cls._instance = cls(_spec if _spec is not None else {"dbfs_root": os.environ.get("DB_DBFS_ROOT", "/dbfs")})
        return cls._instance

    def get_namespace_globals(self):
        return self._globals
