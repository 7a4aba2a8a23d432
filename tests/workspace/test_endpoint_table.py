"""The docs' table of implemented endpoints (docs/workspace-endpoints.md) is the one generated from the routes."""

from __future__ import annotations

import re

import pytest

from local_workspace.endpoints import endpoint_table, marked_table, write_table
from tests.workspace.harness import REPO


PAGE = REPO / "docs" / "workspace-endpoints.md"


def test_docs_endpoint_table_is_current():
    copy = marked_table(PAGE.read_text(encoding="utf-8"), "docs/workspace-endpoints.md")
    assert copy == endpoint_table(), "run `python -m local_workspace.endpoints --write docs/workspace-endpoints.md`"


def test_write_replaces_only_the_stale_table(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Endpoints\n\n<!-- endpoints:start -->\n| stale |\n<!-- endpoints:end -->\n\nAfter.\n")
    write_table(page)
    assert page.read_text() == f"# Endpoints\n\n<!-- endpoints:start -->\n{endpoint_table()}\n<!-- endpoints:end -->\n\nAfter.\n"
    page.write_text("no markers")
    with pytest.raises(ValueError, match="page.md has no <!-- endpoints:start -->"):
        write_table(page)


def test_every_route_of_the_table_is_served(workspace):
    """Each listed endpoint is routed: a call without a token gets 401, not ENDPOINT_NOT_FOUND."""
    import requests

    for line in endpoint_table().splitlines()[2:-1]:
        _, _, methods, path, _ = [c.strip() for c in line.split("|")]
        path = path.strip("`").replace("<path:path>", "x").replace("<int:expires>", "1").replace("<token>", "t")
        for version in re.findall(r"\{([\d.,]+)\}", path)[:1] or [""]:
            concrete = path.replace("{" + version + "}", version.split(",")[-1]) if version else path
            answer = requests.request(methods.split()[0], f"{workspace.url}{concrete}", timeout=30)
            assert answer.status_code == 401, (concrete, answer.status_code)
