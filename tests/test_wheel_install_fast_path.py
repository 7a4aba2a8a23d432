"""The fast path of a cluster's library install (local_workspace/compute/wheel_install.py): only
wheels whose every requirement the cluster already meets skip pip."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from local_workspace.compute.wheel_install import fast_wheels, unmet


def _wheel(folder: Path, name: str, requires: list[str]) -> str:
    path = folder / f"{name}-1.0-py3-none-any.whl"
    metadata = "Metadata-Version: 2.1\nName: {}\nVersion: 1.0\n{}".format(
        name, "".join(f"Requires-Dist: {r}\n" for r in requires))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}-1.0.dist-info/METADATA", metadata)
        archive.writestr(f"{name}/__init__.py", "")
    return str(path)


def _site(folder: Path, **versions: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, version in versions.items():
        info = folder / f"{name}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return folder


@pytest.fixture
def runtime(tmp_path):
    return _site(tmp_path / "runtime", mlflow_skinny="3.0.1", pandas="2.2.3", PyYAML="6.0.2")


def test_a_wheel_whose_requirements_the_runtime_meets_takes_the_fast_path(tmp_path, runtime):
    wheel = _wheel(tmp_path, "proj", ["mlflow-skinny>=3", "pandas<3,>=2", "pyyaml", 'pywin32; sys_platform == "win32"',
                                     'pytest; extra == "test"'])
    assert fast_wheels([wheel], [tmp_path / "env", runtime]) == [wheel]


@pytest.mark.parametrize("requirement", ["pandas>=3", "scikit-learn", "mlflow-skinny[databricks]>=3",
                                         "pkg @ https://example.com/pkg.whl"])
def test_anything_pip_would_have_to_resolve_goes_to_pip(tmp_path, runtime, requirement):
    assert fast_wheels([_wheel(tmp_path, "proj", ["pandas", requirement])], [runtime]) is None


def test_the_clusters_own_environment_comes_before_the_runtime(tmp_path, runtime):
    env = _site(tmp_path / "env", pandas="1.5.3")  # installed on the cluster over the runtime's 2.2.3
    assert unmet(["pandas>=2"], {"pandas": "1.5.3"}) == ["pandas>=2"]
    assert fast_wheels([_wheel(tmp_path, "proj", ["pandas>=2"])], [env, runtime]) is None


def test_specs_that_are_not_local_wheels_go_to_pip(tmp_path, runtime):
    assert fast_wheels(["scikit-learn==1.6.1"], [runtime]) is None
    assert fast_wheels([str(tmp_path / "missing-1.0-py3-none-any.whl")], [runtime]) is None
    assert fast_wheels(["-r /dbfs/requirements.txt"], [runtime]) is None
    broken = tmp_path / "broken-1.0-py3-none-any.whl"
    broken.write_text("not a zip")
    assert fast_wheels([str(broken)], [runtime]) is None


def test_a_library_installed_or_removed_since_the_last_install_counts(tmp_path, runtime):
    # A folder's distributions are read once while it stays as it is; a change must be seen.
    wheel = _wheel(tmp_path, "proj", ["pandas>=2", "scikit-learn"])
    assert fast_wheels([wheel], [tmp_path / "env", runtime]) is None
    env = _site(tmp_path / "env", scikit_learn="1.6.1")  # installed on the cluster meanwhile
    assert fast_wheels([wheel], [env, runtime]) == [wheel]
    (env / "scikit_learn-1.6.1.dist-info" / "METADATA").unlink()
    (env / "scikit_learn-1.6.1.dist-info").rmdir()
    assert fast_wheels([wheel], [env, runtime]) is None
