"""Notebooks and files between a local folder and a workspace folder, in Databricks source format.

A local `train.py` that starts with `# Databricks notebook source` is the workspace notebook
`train`; any other file is imported as a workspace file of the same name.
"""

from __future__ import annotations

import base64
from pathlib import Path

from telco_churn.ci.errors import CiError

HEADER = b"# Databricks notebook source"


def is_notebook(content: bytes) -> bool:
    return content.lstrip(b"\xef\xbb\xbf").startswith(HEADER)


def workspace_name(relative: str, content: bytes) -> str:
    return relative.removesuffix(".py") if is_notebook(content) and relative.endswith(".py") else relative


def same_text(a: bytes, b: bytes) -> bool:
    """Equal but for trailing whitespace (an export may end the file differently)."""
    return a.rstrip() == b.rstrip()


def local_files(folder: Path, names: list[str] | None = None) -> dict[str, bytes]:
    """relative name -> content of the folder's files (or only `names`), .ipynb_checkpoints and caches left out."""
    if not folder.is_dir():
        raise CiError(f"folder {folder} does not exist", exit_code=2)
    if names:
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise CiError(f"--src-files: {', '.join(missing)} not found in {folder}", exit_code=2)
        return {n: (folder / n).read_bytes() for n in names}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not {"__pycache__", ".ipynb_checkpoints"} & set(p.parts)}


def fetch_sources(client, src_dir: str, names: list[str] | None, scratch: Path) -> list[Path]:
    """The notebooks of a checkout folder, a raw git URL or a workspace folder, copied to scratch."""
    scratch.mkdir(parents=True, exist_ok=True)
    if src_dir.startswith(("http://", "https://", "file://")):
        if not names:
            raise CiError("--src-dir is a URL: name the notebooks to fetch with --src-files", exit_code=2)
        import urllib.request  # here, not at the top: `telco-churn`'s parser imports this module

        found = {}
        for name in names:
            url = f"{src_dir.rstrip('/')}/{name}"
            try:
                with urllib.request.urlopen(url, timeout=60) as response:  # a raw file host, not the workspace
                    found[name] = response.read()
            except OSError as exc:
                raise CiError(f"cannot fetch {url}: {exc}", exit_code=2) from None
    elif Path(src_dir).is_dir():
        found = local_files(Path(src_dir), names)
    else:
        found = export_tree(client, src_dir, names)
    written = []
    for name, content in found.items():
        target = scratch / (name + ".py" if is_notebook(content) and not name.endswith(".py") else name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(target)
    return written


def export_tree(client, folder: str, names: list[str] | None = None) -> dict[str, bytes]:
    """relative name -> content of every notebook and file under a workspace folder (notebooks as `x.py`)."""
    from databricks.sdk.errors import NotFound
    from databricks.sdk.service.workspace import ExportFormat, ObjectType

    try:
        objects = list(client.workspace.list(folder, recursive=True))
    except NotFound:
        raise CiError(f"--src-dir {folder}: neither a local folder nor a workspace folder", exit_code=2) from None
    found = {}
    for item in objects:
        if item.object_type not in (ObjectType.NOTEBOOK, ObjectType.FILE):
            continue
        relative = item.path[len(folder.rstrip("/")) + 1:]
        fmt = ExportFormat.SOURCE if item.object_type == ObjectType.NOTEBOOK else ExportFormat.AUTO
        content = base64.b64decode(client.workspace.export(item.path, format=fmt).content or "")
        local_name = relative + ".py" if item.object_type == ObjectType.NOTEBOOK else relative
        if names and local_name not in names and relative not in names:
            continue
        found[local_name] = content
    return found


def import_files(client, files: dict[str, bytes], dst_dir: str, overwrite: bool = True) -> list[str]:
    """Imports each file under dst_dir (notebooks as SOURCE, others as files); the workspace paths."""
    from databricks.sdk.service.workspace import ImportFormat, Language

    written = []
    for relative, content in sorted(files.items()):
        path = f"{dst_dir.rstrip('/')}/{workspace_name(relative, content)}"
        client.workspace.mkdirs(path.rsplit("/", 1)[0])
        if is_notebook(content):
            client.workspace.import_(path, content=base64.b64encode(content).decode(), format=ImportFormat.SOURCE,
                                     language=Language.PYTHON, overwrite=overwrite)
        else:
            client.workspace.import_(path, content=base64.b64encode(content).decode(), format=ImportFormat.AUTO,
                                     overwrite=overwrite)
        written.append(path)
    return written

