"""Typed configuration: environment settings plus one YAML file per job."""
