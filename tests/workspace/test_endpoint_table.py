"""The README's table of implemented endpoints is the one generated from the routes."""

from __future__ import annotations

import re

from local_workspace.endpoints import endpoint_table
from tests.workspace.harness import REPO


def test_readme_endpoint_table_is_current():
    readme = (REPO / "README.md").read_text()
    found = re.search(r"<!-- endpoints:start -->\n(.*?)\n<!-- endpoints:end -->", readme, re.S)
    assert found, "README.md lost its endpoints markers"
    assert found.group(1) == endpoint_table(), "run `python -m local_workspace.endpoints` and paste its table into README.md"


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
