"""A local stand-in for one Databricks workspace: REST API, DBFS, workspace files, Jobs that
run on local clusters, and MLflow served by MLflow's own server code.

It knows nothing of any project that runs on it. Layout (after moto): one folder per emulated
service under `services/`, each with `models.py` (state and behaviour), `responses.py` (HTTP
parsing and replies) and `urls.py` (routes); `compute/` runs the clusters and the tasks.
"""

__version__ = "0.1.0"
