# Databricks notebook source
# MAGIC %md
# MAGIC # Explore the feature table
# MAGIC The feature and labels tables written by feature-table-creation: size, churn rate, and
# MAGIC churn by contract and by tenure. Widgets: `env`, `database`.

# COMMAND ----------

for name, default in {"env": "dev", "database": ""}.items():
    dbutils.widgets.text(name, default)
widget = dbutils.widgets.get

# COMMAND ----------

from pyspark.sql import functions as F

from telco_churn.config.environment import load_environment
from telco_churn.paths import default_env_file
from telco_churn.runtime import start_runtime

env = load_environment(default_env_file(), widget("env"), [f"database={widget('database')}"] if widget("database") else [])
lakehouse = start_runtime().lakehouse  # the tables by name, wherever this cluster keeps them
features = lakehouse.read(env.table("features"))
labelled = features.join(lakehouse.read(env.table("labels")), env.id_column)
print(f"{features.count()} customers, {len(features.columns) - 1} features; churn rate "
      f"{labelled.agg(F.avg(env.label_column)).first()[0]:.3f}")

# COMMAND ----------

contract_columns = [c for c in labelled.columns if c.startswith("Contract_")]
display(labelled.groupBy(*contract_columns).agg(F.count("*").alias("customers"), F.avg(env.label_column).alias("churn_rate")))

# COMMAND ----------

by_tenure = labelled.withColumn("tenure_years", F.floor(F.col("tenure") / 12))
display(by_tenure.groupBy("tenure_years").agg(F.avg(env.label_column).alias("churn_rate")).orderBy("tenure_years"))
