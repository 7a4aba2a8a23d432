# Databricks notebook source
# MAGIC %md
# MAGIC # Integration test of a branch
# MAGIC Run by `telco-churn ci repo-test` from a repo checked out at the branch: every job config
# MAGIC and environment of the checkout must validate, and featurization must run on the
# MAGIC cluster's Spark over a sample of the packaged data. Fails (raises) otherwise.

# COMMAND ----------

dbutils.widgets.text("rows", "300")
rows = int(dbutils.widgets.get("rows"))

# COMMAND ----------

from telco_churn.config.environment import ENVIRONMENTS
from telco_churn.jobs import JOBS

# Constructing a job validates its config and environment, before any engine starts.
jobs = {(name, env): JOBS[name](["--env", env]) for name in JOBS for env in ENVIRONMENTS}
print(f"{len(jobs)} job configurations valid")

# COMMAND ----------

import pandas as pd

from telco_churn.paths import DATA_FILE
from telco_churn.pipelines.featurization import featurize

job = jobs[("feature-table-creation", "dev")]
sample = spark.createDataFrame(pd.read_csv(DATA_FILE, dtype=str, keep_default_na=False).head(rows))
features = featurize(sample, job.conf, job.env.id_column, job.env.label_column).toPandas()
assert len(features) == rows and features[job.env.id_column].is_unique, "featurization lost or repeated customers"
assert not features.drop(columns=[job.env.id_column]).isna().any().any(), "featurization left missing values"
print(f"featurized {rows} customers into {features.shape[1] - 2} features")

# COMMAND ----------

dbutils.notebook.exit("OK")
