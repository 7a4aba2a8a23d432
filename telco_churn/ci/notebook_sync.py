"""`telco-churn notebooks push|pull`: notebooks/ to and from /Users/<user>/<branch>/notebooks.

push refuses, without --overwrite, to replace remote notebooks that differ (and lists them);
pull never deletes a local file that is absent remotely unless --delete is given. Both print
every file copied, and where.
"""

from __future__ import annotations

from pathlib import Path

from telco_churn.branch import current_branch, path_segment
from telco_churn.ci.client import workspace_client
from telco_churn.ci.errors import CiError
from telco_churn.ci.workspace_files import export_tree, import_files, local_files, same_text, workspace_name


def add_arguments(parser, command: str) -> None:
    parser.add_argument("--folder", default="notebooks", help="the local folder (default notebooks)")
    parser.add_argument("--to" if command == "push" else "--from", dest="remote", default=None, metavar="PATH",
                        help="the workspace folder (default /Users/<user>/<branch>/notebooks)")
    if command == "push":
        parser.add_argument("--overwrite", action="store_true", help="replace remote notebooks that differ")
    else:
        parser.add_argument("--delete", action="store_true", help="delete local files that are absent remotely")
    parser.add_argument("--profile", default=None, help="a profile of ~/.databrickscfg (default DATABRICKS_HOST/TOKEN)")


def branch_folder(client, explicit: str | None) -> str:
    if explicit:
        return explicit.rstrip("/")
    branch = current_branch()
    if not branch:
        raise CiError("no branch known: run in a git checkout, set BRANCH_NAME, or give the workspace folder", exit_code=2)
    return f"/Users/{client.current_user.me().user_name}/{path_segment(branch)}/notebooks"


def _remote(client, folder: str) -> dict[str, bytes]:
    try:
        return export_tree(client, folder)
    except CiError:
        return {}


def push(args) -> int:
    client = workspace_client(args.profile)
    folder = Path(args.folder)
    files = local_files(folder)
    target = branch_folder(client, args.remote)
    remote = _remote(client, target)
    differing = sorted(n for n, c in files.items() if n in remote and not same_text(c, remote[n]))
    if differing and not args.overwrite:
        listed = "\n".join(f"  {target}/{workspace_name(n, files[n])}" for n in differing)
        raise CiError(f"{len(differing)} remote notebook(s) differ from {folder}; nothing was copied. "
                      f"Pull them first, or push with --overwrite:\n{listed}")
    changed = {n: c for n, c in files.items() if n not in remote or not same_text(c, remote[n])}
    for name, path in zip(sorted(changed), import_files(client, changed, target, overwrite=True)):
        print(f"copied {folder / name} -> {path}")
    print(f"{len(changed)} copied, {len(files) - len(changed)} unchanged, into {target}")
    return 0


def pull(args) -> int:
    client = workspace_client(args.profile)
    folder = Path(args.folder)
    source = branch_folder(client, args.remote)
    remote = export_tree(client, source)
    local = local_files(folder) if folder.is_dir() else {}
    counts = {"new": 0, "changed": 0, "unchanged": 0}
    for name, content in sorted(remote.items()):
        state = "new" if name not in local else "unchanged" if same_text(content, local[name]) else "changed"
        counts[state] += 1
        if state != "unchanged":
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(content)
            print(f"copied {source}/{workspace_name(name, content)} -> {folder / name} ({state})")
    for name in sorted(set(local) - set(remote)):
        if args.delete:
            (folder / name).unlink()
            print(f"deleted {folder / name} (absent from {source})")
        else:
            print(f"kept {folder / name} (absent from {source}; --delete removes it)")
    print(f"{counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged, from {source}")
    return 0
