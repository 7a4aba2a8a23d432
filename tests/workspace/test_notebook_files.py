"""The project's notebooks: Databricks source format, every Python cell compiles, the package does
the work, and train.py ends with dbutils.notebook.exit(<MLflow run id>)."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_workspace.compute.notebook_main import magic_of, split_cells

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.py"))


def test_the_project_ships_its_notebooks():
    assert {p.stem for p in NOTEBOOKS} >= {"explore", "train", "score", "integration_test"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_cells_compile_and_call_the_package(path):
    cells = split_cells(path.read_text(encoding="utf-8"))
    code = [body for magic, body in map(magic_of, cells) if magic is None]
    for number, body in enumerate(code, start=1):
        compile(body, f"{path.name} cell {number}", "exec")
    assert any("from telco_churn" in body for body in code)
    assert sum(len(body.splitlines()) for body in code) <= 40, "a notebook calls the package; it repeats no logic"


def test_training_notebook_exits_with_the_mlflow_run_id():
    cells = split_cells((NOTEBOOKS[0].parent / "train.py").read_text(encoding="utf-8"))
    assert cells[-1].strip() == "dbutils.notebook.exit(result.run_id)"
    assert all(f'"{name}"' in cells[1] for name in ("experiment", "run_name", "max_depth"))
