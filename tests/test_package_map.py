"""MLflow's package map is built once per environment and reused by the next processes."""

from __future__ import annotations

import pytest

from telco_churn.package_map import _cache_file, environment_key, shared_package_map


@pytest.fixture
def reqs(tmp_path, monkeypatch):
    from mlflow.utils import requirements_utils

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(requirements_utils, "_MODULES_TO_PACKAGES", None)
    return requirements_utils


def test_the_map_mlflow_builds_is_kept_and_handed_to_the_next_process(reqs, monkeypatch):
    with shared_package_map():
        reqs._init_modules_to_packages_map()  # what log_model's requirement check does first
    built = reqs._MODULES_TO_PACKAGES
    assert _cache_file().is_file() and built["sklearn"] == ["scikit-learn"]

    monkeypatch.setattr(reqs, "_MODULES_TO_PACKAGES", None)  # a new process
    def not_again():
        raise AssertionError("MLflow built the package map again")
    monkeypatch.setattr(reqs.importlib_metadata, "packages_distributions", not_again)
    with shared_package_map():
        reqs._init_modules_to_packages_map()
    assert reqs._MODULES_TO_PACKAGES == built
    assert reqs._check_requirement_satisfied("scikit-learn==0.0.1").installed_version  # the check still runs


def test_the_key_changes_when_a_distribution_is_installed(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    before = environment_key()
    (tmp_path / "somepackage-1.0.dist-info").mkdir()
    assert environment_key() != before


def _site(root, record: str):
    """A site-packages folder holding one distribution whose RECORD is `record`."""
    info = root / "site-packages" / "somepackage-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "RECORD").write_text(record)
    return str(root / "site-packages")


def test_a_fresh_clone_with_the_same_distributions_shares_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # An editable install's RECORD hashes files that name the checkout: only the file names count.
    first = _site(tmp_path / "clone-a", "somepackage/__init__.py,sha256=aaa,10\n")
    second = _site(tmp_path / "clone-b", "somepackage/__init__.py,sha256=bbb,12\n")
    other = _site(tmp_path / "clone-c", "somepackage/__init__.py,sha256=aaa,10\nextra/__init__.py,sha256=c,1\n")
    keys = []
    for site in (first, second, other):
        monkeypatch.setattr("sys.path", [site])
        keys.append(environment_key())
    assert keys[0] == keys[1]
    assert keys[2] != keys[0]  # the same version with another top-level module: another map
