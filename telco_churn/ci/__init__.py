"""CI/CD drivers for notebooks, run against a Databricks workspace through databricks-sdk:
notebook-build (runs/submit with checks and a JSON report), repo-test (a branch checked out
through the Repos API), notebooks push/pull and trigger."""
