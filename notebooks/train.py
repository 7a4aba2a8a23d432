# Databricks notebook source
# MAGIC %md
# MAGIC # Train the churn model
# MAGIC Runs the package's model-train job: training set from the feature table, RandomForest,
# MAGIC metrics and model logged to MLflow, model registered. Needs the `telco_churn` package: the
# MAGIC project wheel as a cluster library, or this notebook inside a repo of the project.
# MAGIC
# MAGIC Widgets: `env`; `experiment` (empty: the environment's, per branch on `dev`); `run_name`;
# MAGIC `max_depth`; `branch`, `catalog` and `database` (empty: from git or `$BRANCH_NAME`, and the environment's).
# MAGIC Exits with the MLflow run id.

# COMMAND ----------

for name, default in {"env": "dev", "experiment": "", "run_name": "notebook-train", "max_depth": "8",
                      "branch": "", "catalog": "", "database": ""}.items():
    dbutils.widgets.text(name, default)
widget = dbutils.widgets.get

# COMMAND ----------

from telco_churn.jobs.model_train_job import ModelTrainJob
from telco_churn.notebook_args import job_argv

argv = job_argv(widget("env"), widget("branch"), widget("database"), widget("experiment"),
                sets={"model_params.max_depth": widget("max_depth"), "run_name": widget("run_name")},
                catalog=widget("catalog"))
result = ModelTrainJob(argv).launch()
print(f"MLflow run {result.run_id}, version {result.version}, metrics {result.metrics}")

# COMMAND ----------

dbutils.notebook.exit(result.run_id)
