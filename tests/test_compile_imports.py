"""make install compiles the bytecode of what the jobs import, in parallel processes, even where the
machine sets PYTHONDONTWRITEBYTECODE."""

from __future__ import annotations

from tools.compile_imports import GROUPS, compile_imports


def test_each_group_is_imported_and_its_bytecode_written(tmp_path, monkeypatch):
    for name in ("first_lib", "second_lib"):
        (tmp_path / f"{name}.py").write_text(f"NAME = {name!r}\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    compile_imports([("first_lib",), ("second_lib",)])
    written = sorted(p.name.split(".")[0] for p in (tmp_path / "__pycache__").glob("*.pyc"))
    assert written == ["first_lib", "second_lib"]


def test_the_groups_name_the_jobs_heavy_libraries():
    names = {name.split(".")[0] for group in GROUPS for name in group}
    assert {"mlflow", "sklearn", "pyspark", "pysail", "scipy", "pandas"} <= names


def test_a_plus_entry_compiles_every_file_of_the_package(tmp_path, monkeypatch):
    package = tmp_path / "scripts_pkg"
    (package / "versions").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "versions" / "step_one.py").write_text("X = 1\n")  # never imported, only loaded by path
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    compile_imports([("+scripts_pkg",)])
    assert list((package / "versions" / "__pycache__").glob("step_one.*.pyc"))
