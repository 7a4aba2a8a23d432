"""The documentation: the MkDocs site builds with --strict, and every relative link of README.md lands."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def build_site(root: Path, site: Path) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of the mkdocs.yml in root, as `make test` runs it."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120)


def github_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown text (code blocks left out)."""
    anchors: set[str] = set()
    in_code = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            in_code = not in_code
            continue
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading and not in_code:
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
            anchor, n = slug, 0
            while anchor in anchors:
                n += 1
                anchor = f"{slug}-{n}"
            anchors.add(anchor)
    return anchors


def broken_links(markdown: str, base: Path) -> list[str]:
    """Each relative link of a Markdown file in base that reaches no file, or no heading of it."""
    broken = []
    for target in LINK.findall(markdown):
        if re.match(r"^[a-z][a-z+.-]*:", target):  # https:, mailto:, ...
            continue
        path, _, anchor = target.partition("#")
        file = (base / path) if path else None
        if file is not None and not file.exists():
            broken.append(f"{target}: no file {path}")
        elif anchor:
            text = file.read_text(encoding="utf-8") if file is not None else markdown
            if (file is None or file.suffix == ".md") and anchor not in github_anchors(text):
                broken.append(f"{target}: no heading #{anchor} in {path or 'the file itself'}")
    return broken


def test_the_site_builds_strict_with_every_page(tmp_path):
    done = build_site(REPO, tmp_path / "site")
    assert done.returncode == 0, done.stderr[-3000:]
    # The generated endpoint table and the included benchmarks/README.md are on their pages.
    assert "/api/2.0/dbfs/put" in (tmp_path / "site" / "workspace-endpoints" / "index.html").read_text()
    assert "Findings" in (tmp_path / "site" / "benchmarks" / "index.html").read_text()


def test_a_broken_link_or_anchor_fails_the_build(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "docs", copy / "docs")
    shutil.copy(REPO / "mkdocs.yml", copy / "mkdocs.yml")
    (copy / "benchmarks").mkdir()
    shutil.copy(REPO / "benchmarks" / "README.md", copy / "benchmarks" / "README.md")
    page = copy / "docs" / "getting-started.md"
    page.write_text(page.read_text() + "\n[gone](no-such-page.md) and [wrong](lifecycle.md#no-such-heading)\n")
    done = build_site(copy, tmp_path / "site")
    assert done.returncode == 1
    assert "link 'no-such-page.md', but the target is not found" in done.stderr
    assert "does not contain an anchor '#no-such-heading'" in done.stderr


def test_every_relative_link_of_the_readme_lands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert broken_links(readme, REPO) == []
    assert len(readme.splitlines()) <= 150, "the README is the short way in: the rest goes to docs/"


def test_the_link_check_names_a_missing_file_and_a_missing_heading(tmp_path):
    (tmp_path / "page.md").write_text("# A `code` title: here\n\n```bash\n# not a heading\n```\n")
    text = ("[a](page.md#a-code-title-here) [b](missing.md) [c](page.md#not-a-heading) [d](#top) "
            "[e](https://example.com/x) ![f](page.md)\n\n## Top\n")
    assert broken_links(text, tmp_path) == ["missing.md: no file missing.md",
                                            "page.md#not-a-heading: no heading #not-a-heading in page.md"]
