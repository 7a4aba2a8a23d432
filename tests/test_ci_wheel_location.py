"""Where the CI drivers put the wheel: taken from .dbx/project.json's artifact_location of the
notebook's environment, or --wheel-dir; bad input exits 2 before any workspace call (offline)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from telco_churn.ci.errors import CiError
from telco_churn.ci.wheel_location import wheel_dir
from telco_churn.deployment.artifact_volume import ArtifactVolume

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def legacy_project(tmp_path):
    (tmp_path / ".dbx").mkdir()
    shutil.copyfile(REPO / ".dbx" / "project.legacy.json", tmp_path / ".dbx" / "project.json")
    return tmp_path


def test_a_unity_catalog_environment_puts_the_wheel_in_its_artifact_volume():
    place = wheel_dir(REPO, "staging", None, "b1")
    assert place.path == "/Volumes/staging/telco_churn/artifacts/ci/b1"
    assert place.volume == ArtifactVolume("staging", "telco_churn", "artifacts")
    assert place.target("x-1.0-py3-none-any.whl") == "/Volumes/staging/telco_churn/artifacts/ci/b1/x-1.0-py3-none-any.whl"


def test_a_legacy_artifact_location_keeps_the_dbfs_root(legacy_project):
    place = wheel_dir(legacy_project, "dev", None, "b1")
    assert (place.path, place.volume) == ("dbfs:/FileStore/telco-churn/ci/b1", None)


@pytest.mark.parametrize("given, path, volume", [
    ("/Volumes/c/s/v/wheels", "/Volumes/c/s/v/wheels", ArtifactVolume("c", "s", "v")),
    ("dbfs:/Volumes/c/s/v", "/Volumes/c/s/v", ArtifactVolume("c", "s", "v")),
    ("dbfs:/FileStore/mine", "dbfs:/FileStore/mine", None),
])
def test_wheel_dir_is_used_as_given(legacy_project, given, path, volume):
    place = wheel_dir(legacy_project, None, given, "b1")
    assert (place.path, place.volume) == (path, volume)


@pytest.mark.parametrize("environment, given, message", [
    ("dev", "/Workspace/Shared/wheels", "--wheel-dir /Workspace/Shared/wheels: give /Volumes/<catalog>/<schema>/<volume>/"),
    ("dev", "/Volumes/c/s", "--wheel-dir /Volumes/c/s: give /Volumes/"),
    (None, None, "no environment to take the wheel's place from: pass the notebook an 'env' parameter"),
    ("qa", None, "no environment 'qa' (found: dev, prod, staging)"),
])
def test_bad_input_exits_2_naming_the_option_or_environment(environment, given, message):
    with pytest.raises(CiError) as raised:
        wheel_dir(REPO, environment, given, "b1")
    assert raised.value.exit_code == 2
    assert message in str(raised.value)
