"""Task values (dbutils.jobs.taskValues) where a Databricks job runs us; elsewhere only logged."""

from __future__ import annotations

from logging import Logger

import importlib.util


def set_task_value(key: str, value, logger: Logger) -> bool:
    """Sets the task value for later tasks ({{tasks.<task>.values.<key>}}); False where no job can read it."""
    # A cluster provides `dbruntime` (databricks.sdk.runtime takes dbutils from it); in a plain process
    # (the story, the tests) the SDK's stand-in dbutils would drop the value silently.
    if importlib.util.find_spec("dbruntime") is None:
        logger.info("Task value %s=%s not set: not running in a Databricks job task", key, value)
        return False
    from databricks.sdk.runtime import dbutils

    dbutils.jobs.taskValues.set(key=key, value=value)
    logger.info("Task value %s=%s set", key, value)
    return True
