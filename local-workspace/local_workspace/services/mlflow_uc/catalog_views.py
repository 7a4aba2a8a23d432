"""The same registry as Unity Catalog's own REST API shows it (/api/2.1/unity-catalog/models,
databricks-sdk's `w.registered_models` and `w.model_versions`): RegisteredModelInfo and
ModelVersionInfo, built from the MLflow-shaped records of models.py."""

from __future__ import annotations


def _levels(full_name: str) -> dict:
    catalog, schema, name = full_name.split(".")
    return {"catalog_name": catalog, "schema_name": schema}


def registered_model_info(model: dict) -> dict:
    full = model["name"]
    return {
        **_levels(full), "name": full.split(".")[2], "full_name": full, "owner": model["user_id"],
        "comment": model["description"], "created_at": model["creation_timestamp"], "created_by": model["user_id"],
        "updated_at": model["last_updated_timestamp"], "updated_by": model["user_id"],
        "storage_location": "/Models/" + full.replace(".", "/"),
        "aliases": [{"alias_name": a["alias"], "version_num": int(a["version"])} for a in model["aliases"]],
    }


def model_version_info(version: dict) -> dict:
    full = version["name"]
    body = {
        **_levels(full), "model_name": full.split(".")[2], "version": int(version["version"]),
        "source": version["source"], "status": version["status"], "storage_location": version["storage_location"],
        "comment": version["description"], "created_at": version["creation_timestamp"],
        "created_by": version["user_id"], "updated_at": version["last_updated_timestamp"],
        "updated_by": version["user_id"],
        "aliases": [{"alias_name": a["alias"], "version_num": int(a["version"])} for a in version["aliases"]],
    }
    if version.get("run_id"):
        body["run_id"] = version["run_id"]
    return body
