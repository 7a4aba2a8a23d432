"""`local-workspace serve|start|stop|status|env` (also `telco-churn workspace ...`)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path
from typing import Sequence

from local_workspace.config import HOST_NAME, WorkspaceDirs, read_token
from local_workspace.profiles import DEFAULT_PROFILE, PROFILES, profile_named, stored_profile
from local_workspace.server import DEFAULT_PORT, running, serve, start, stop

NO_PROXY = "127.0.0.1,localhost"


def env_lines(root: Path) -> list[str]:
    """`export` lines after which dbx, the legacy CLI, the SDK and MLflow reach the workspace.

    The legacy databricks CLI (and dbx, which uses it) drops the port of DATABRICKS_HOST, so
    every client is sent through the workspace as an HTTP proxy instead: DATABRICKS_HOST names
    the workspace without a port, and HTTP_PROXY is where it listens. No root, no port 80.
    """
    dirs = WorkspaceDirs(Path(root).resolve())
    token = read_token(dirs)
    if token is None:
        raise SystemExit(f"No workspace in {dirs.root}: start one first (telco-churn workspace start)")
    state = running(dirs.root)
    port = state["port"] if state else DEFAULT_PORT
    proxy = f"http://127.0.0.1:{port}"
    values = {
        "DATABRICKS_HOST": f"http://{HOST_NAME}", "DATABRICKS_TOKEN": token,
        "HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": NO_PROXY, "no_proxy": NO_PROXY,
        "MLFLOW_TRACKING_URI": "databricks",
    }
    return [f"export {k}={shlex.quote(v)}" for k, v in values.items()]


def client_environment(root: Path) -> dict[str, str]:
    """The variables of env_lines, as a dict (for tests and drivers)."""
    out = {}
    for line in env_lines(root):
        name, _, value = line[len("export "):].partition("=")
        out[name] = shlex.split(value)[0]
    return out


def build_parser(default_dir: Path) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="workspace", description="A local Databricks workspace.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("serve", "run in the foreground until Ctrl-C"), ("start", "run in the background"),
                       ("stop", "stop the background workspace"), ("status", "is it running, and where"),
                       ("env", "print export lines for dbx, the databricks CLI, databricks-sdk and MLflow")):
        command = sub.add_parser(name, help=text)
        command.add_argument("--dir", type=Path, default=default_dir, help=f"state folder (default {default_dir})")
        if name in ("serve", "start"):
            command.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0: any free port)")
            command.add_argument("--token", default=None, help="use this token (default: the stored one, else a new one)")
            command.add_argument("--profile", choices=sorted(PROFILES), default=None,
                                 help=f"platform rules of a new workspace (default {DEFAULT_PROFILE}; "
                                      "a folder keeps the profile it was created with)")
    return parser


def main(argv: Sequence[str] | None = None, default_dir: Path | None = None,
         command: str = "local-workspace") -> int:
    """`command` is how the user called this CLI, for the hints it prints."""
    args = build_parser(default_dir or Path(".workspace")).parse_args(argv)
    token = getattr(args, "token", None) or os.environ.pop("LOCAL_WORKSPACE_TOKEN", None)
    try:
        if args.command == "serve":
            return serve(args.dir, args.port, token, args.profile)
        if args.command == "start":
            state = start(args.dir, args.port, token, profile=args.profile)
    except ValueError as exc:  # a --profile other than the folder's
        raise SystemExit(str(exc)) from None
    if args.command == "start":
        print(f"Workspace running at {state['url']} (pid {state['pid']}, folder {Path(args.dir).resolve()}, "
              f"profile {stored_profile(Path(args.dir).resolve())})")
        print(f"Use it from this shell with:  eval \"$({command} env --dir {args.dir})\"")
        return 0
    if args.command == "stop":
        print("Workspace stopped" if stop(args.dir) else "No workspace was running")
        return 0
    if args.command == "status":
        state = running(args.dir)
        if state:
            print(f"running at {state['url']} (pid {state['pid']}, folder {Path(args.dir).resolve()})")
            profile = stored_profile(Path(args.dir).resolve())
            if profile:
                print(f"profile: {profile_named(profile).describe()}")
            return 0
        print(f"not running (folder {Path(args.dir).resolve()})")
        return 3
    print("\n".join(env_lines(args.dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
