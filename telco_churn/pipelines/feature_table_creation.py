"""feature-table-creation: bronze -> feature table, labels table and reference table."""

from __future__ import annotations

from dataclasses import dataclass

from telco_churn.config.jobs import FeatureTableConfig
from telco_churn.contracts.ingest_record import ContractRecord
from telco_churn.contracts.report import ValidationReport, checked
from telco_churn.contracts.table_checks import check_contract, proves_keys_unique
from telco_churn.lakehouse.base import TableVersion
from telco_churn.pipelines.locking import taking_turns
from telco_churn.pipelines.featurization import featurize, in_reference
from telco_churn.workload import JobContext


@dataclass(frozen=True)
class FeatureTableResult:
    features: int
    labels: int
    reference: int


class FeatureTableCreator:
    def __init__(self, conf: FeatureTableConfig, ctx: JobContext):
        self.conf, self.ctx = conf, ctx

    def run(self) -> FeatureTableResult:
        # A second run at once waits, then rebuilds all three tables from bronze as it is then.
        with taking_turns(self.ctx, f"feature-table-creation {self.ctx.env.schema_name}"):
            return self._build()

    def _build(self) -> FeatureTableResult:
        env, lakehouse = self.ctx.env, self.ctx.lakehouse
        bronze_name = env.table("bronze")
        # One committed version, read as it was when its record (if any) was read.
        latest = lakehouse.latest_version(bronze_name, hint="Run data-ingest first (telco-churn-data-ingest).")
        bronze = lakehouse.read(bronze_name, version=latest.version)
        report = checked(self._bronze_report(bronze, bronze_name, latest), self.ctx.logger)
        featurized = featurize(bronze, self.conf, env.id_column, env.label_column)
        features = featurized.drop(env.label_column)
        labels = featurized.select(env.id_column, env.label_column)
        held_out = in_reference(env.id_column, self.conf.reference_fraction)
        # Every check ran above; from here on only writes, each one atomic Delta commit. A kill
        # between two of them leaves tables of different runs: the jobs that read them compare
        # their keys (pipelines/consistency.py) and refuse a mix.
        self.ctx.feature_store.create_table(env.table("features"), features, [env.id_column], self.conf.description,
                                            keys_proven=proves_keys_unique(report, self.conf.contract))
        lakehouse.write(labels.filter(~held_out), env.table("labels"), "overwrite")
        lakehouse.write(labels.filter(held_out), env.table("reference"), "overwrite")
        result = FeatureTableResult(
            features=lakehouse.read(env.table("features")).count(),
            labels=lakehouse.read(env.table("labels")).count(),
            reference=lakehouse.read(env.table("reference")).count(),
        )
        self.ctx.logger.info(
            "Feature table %s: %d rows, %d features; labels %s: %d rows; reference %s: %d rows",
            env.table("features"), result.features, len(features.columns) - 1,
            env.table("labels"), result.labels, env.table("reference"), result.reference)
        return result

    def _bronze_report(self, bronze, name: str, latest: TableVersion) -> ValidationReport:
        """data-ingest's record of this version passing the contract, or the contract's checks."""
        contract, target = self.conf.contract, f"Bronze table {name} (version {latest.version})"
        record = ContractRecord.from_note(latest.note)
        report = None if record is None or self.conf.recheck_bronze else record.report(contract, target)
        if report is not None:
            self.ctx.logger.info("%s passed contract '%s' at data-ingest: not checked again", target, contract.name)
            return report
        return check_contract(bronze, contract, target)
