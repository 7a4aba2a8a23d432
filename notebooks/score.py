# Databricks notebook source
# MAGIC %md
# MAGIC # Score the customers
# MAGIC Runs the package's model-inference-batch job: every key of the inference input table is
# MAGIC scored with the model in `model_stage` (or `model_alias`) and written to the predictions
# MAGIC table. Widgets: `env`, `model_stage`, `branch`, `database`. Exits with the number of rows scored.

# COMMAND ----------

for name, default in {"env": "dev", "model_stage": "Production", "branch": "", "database": ""}.items():
    dbutils.widgets.text(name, default)
widget = dbutils.widgets.get

# COMMAND ----------

from telco_churn.jobs.model_inference_batch_job import ModelInferenceBatchJob
from telco_churn.notebook_args import job_argv

argv = job_argv(widget("env"), widget("branch"), widget("database"), sets={"model_stage": widget("model_stage")})
result = ModelInferenceBatchJob(argv).launch()
print(result)

# COMMAND ----------

dbutils.notebook.exit(str(result.rows))
