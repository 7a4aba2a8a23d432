"""Packaging of telco_churn: the wheel that dbx deploys and that runs locally."""

from setuptools import find_packages, setup

# The Databricks Runtime ML already provides pyspark, mlflow, scikit-learn, pandas, numpy
# and pyarrow; listing them here would make every cluster reinstall them. The local
# engine and the tests install theirs from unit-requirements.txt.
INSTALL_REQUIRES = ["pyyaml>=6", "pydantic>=2.5,<3"]

JOB_ENTRY_POINTS = {
    "telco-churn-demo-setup": "demo_setup_job",
    "telco-churn-data-ingest": "data_ingest_job",
    "telco-churn-feature-table-creation": "feature_table_creator_job",
    "telco-churn-model-train": "model_train_job",
    "telco-churn-model-deployment": "model_deployment_job",
    "telco-churn-model-inference-batch": "model_inference_batch_job",
    "telco-churn-model-monitoring": "model_monitoring_job",
}

setup(
    name="telco_churn",
    version="0.1.0",
    description="End-to-end MLOps for Telco churn on Databricks, runnable on one machine",
    python_requires=">=3.10",
    packages=find_packages(include=["telco_churn", "telco_churn.*"]) + ["telco_churn.conf"],
    # conf/ ships inside the wheel as telco_churn/conf: a job given no --env-file/--conf-file reads
    # its configs from the installed package, never from a file uploaded to the DBFS root.
    package_dir={"telco_churn.conf": "conf"},
    package_data={"telco_churn": ["data/*.csv", "data/*.md", "data/*.yml"],
                  "telco_churn.conf": ["environments.yml", "job_configs/*.yml"]},
    install_requires=INSTALL_REQUIRES,
    extras_require={
        # The embedded local engine: Sail (Spark Connect, Delta) plus what the runtime would provide.
        "local": ["pysail==0.7.2", "pyspark-client==4.2.0", "mlflow>=3.17,<3.18", "scikit-learn>=1.5",
                  "pandas>=2.2,<3", "pyarrow>=15", "deltalake>=1.0",
                  "scipy>=1.11"],
        # >=0.12.1 admits the version Databricks Runtime 17.3 LTS ML ships (a wheel installs on top
        # of the runtime's libraries, and an unsatisfiable pin would make pip replace them).
        "databricks": ["databricks-feature-engineering>=0.12.1"],
    },
    entry_points={
        "console_scripts": [
            "telco-churn = telco_churn.cli:console",
            *[f"{name} = telco_churn.jobs.{module}:entrypoint" for name, module in JOB_ENTRY_POINTS.items()],
        ]
    },
)
