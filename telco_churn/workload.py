"""Base class of every job: options, validated configs, engine, logger and launch()."""

from __future__ import annotations

import sys
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from logging import Logger
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Sequence, TypeVar

from telco_churn.config.environment import EnvSettings, load_environment
from telco_churn.config.loader import StrictModel, load_model
from telco_churn.errors import TelcoChurnError
from telco_churn.job_options import parse_job_options
from telco_churn.logging_setup import get_logger
from telco_churn.platform_checks import check_platform
from telco_churn.runtime import Runtime, start_runtime

if TYPE_CHECKING:
    from telco_churn.feature_store.base import FeatureStore
    from telco_churn.lakehouse import Lakehouse
    from telco_churn.tracking import TrackingStore

C = TypeVar("C", bound=StrictModel)


@dataclass
class JobContext:
    """What a pipeline's logic class gets from its job."""

    env: EnvSettings
    runtime: Runtime
    lakehouse: "Lakehouse"
    feature_store: "FeatureStore"
    tracking: "TrackingStore"
    logger: Logger

    @property
    def spark(self):
        return self.runtime.spark


class Workload(ABC, Generic[C]):
    name: ClassVar[str]
    conf_name: ClassVar[str]
    config_model: ClassVar[type[StrictModel]]
    # Whether the job talks to MLflow through its global tracking and registry URIs. A job that
    # does not skips importing MLflow (about 1.5 s of CPU in a fresh process).
    uses_mlflow: ClassVar[bool] = True

    def __init__(self, argv: Sequence[str] | None = None, runtime: Runtime | None = None):
        # Everything is validated here, before an engine starts or anything is written.
        self.options = parse_job_options(argv, self.name, self.conf_name)
        self.env = load_environment(self.options.env_file, self.options.env, list(self.options.env_overrides))
        self.conf: C = load_model(self.config_model, self.options.conf_file, list(self.options.overrides))
        self.logger = get_logger(self.name)
        self._runtime = runtime

    def launch(self) -> Any:
        started = time.perf_counter()
        self.logger.info("Starting %s: env=%s, config=%s", self.name, self.env.name, self.options.conf_file)
        owns_runtime = self._runtime is None
        runtime = self._runtime or start_runtime(self.options.engine, self.options.workspace_dir)
        try:
            tracking = runtime.tracking(self.env)
            if self.uses_mlflow:
                tracking.activate()
                check_platform(runtime, self.env, tracking, str(self.options.env_file))
            context = JobContext(self.env, runtime, runtime.lakehouse, runtime.feature_store(self.env), tracking, self.logger)
            result = self.run(context)
        finally:
            if owns_runtime:
                runtime.close()
        self.logger.info("Finished %s in %.1f s", self.name, time.perf_counter() - started)
        return result

    @abstractmethod
    def run(self, context: JobContext) -> Any:
        """Builds the logic class from self.conf and runs it."""

    @classmethod
    def main(cls, argv: Sequence[str] | None = None, runtime: Runtime | None = None) -> int:
        """Runs the job; 0 on success, the error's exit code otherwise (logged, never raised)."""
        logger = get_logger(cls.name)
        try:
            cls(argv, runtime).launch()
            return 0
        except TelcoChurnError as exc:
            logger.error("%s failed: %s", cls.name, exc)
            return exc.exit_code
        except Exception:  # noqa: BLE001 - the traceback goes through the redacting log handler
            logger.exception("%s failed with an unexpected error", cls.name)
            return 1

    @classmethod
    def entrypoint(cls, argv: Sequence[str] | None = None) -> int:
        """Console script, python_wheel_task and spark_python_task entry: exits non-zero on failure."""
        code = cls.main(argv)
        if code:
            sys.exit(code)
        return 0
