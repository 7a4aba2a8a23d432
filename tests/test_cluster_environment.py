"""A cluster's Python environment: a virtualenv over the base Python that sees the given libraries."""

import subprocess

import pytest

from local_workspace.compute.cluster import RUNTIME_PATH, ClusterError, make_environment


def test_a_clusters_environment_is_a_virtualenv_that_sees_the_libraries(tmp_path):
    make_environment(tmp_path / "env")
    seen = subprocess.run([str(tmp_path / "env" / "bin" / "python"), "-c",
                           "import sys, dbruntime; print(sys.prefix); print(sys.prefix != sys.base_prefix)"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert seen == [str(tmp_path / "env"), "True"]  # a virtualenv, with the runtime path's dbruntime
    assert str(RUNTIME_PATH) in next((tmp_path / "env" / "lib").glob("python3*/site-packages/_runtime_libraries.pth")).read_text()


def test_an_environment_that_cannot_be_made_is_a_cluster_error(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(ClusterError, match="Could not create the cluster's Python environment"):
        make_environment(tmp_path / "file" / "env")
