"""The `telco-churn ci ...` and `telco-churn notebooks ...` subcommands."""

from __future__ import annotations

import argparse


def add_commands(sub) -> None:
    from telco_churn.ci import notebook_build, notebook_sync, repo_test, trigger

    ci = sub.add_parser("ci", help="notebook CI/CD against a Databricks workspace: notebook-build, repo-test, trigger")
    ci_sub = ci.add_subparsers(dest="ci_command", required=True)
    for name, module, text in (
            ("notebook-build", notebook_build, "import notebooks, run one with runs/submit, check its MLflow run, write a JSON report"),
            ("repo-test", repo_test, "check a branch out in a temporary repo under /Repos/ci and run its integration test"),
            ("trigger", trigger, "start training or scoring on the workspace for the current branch")):
        parser = ci_sub.add_parser(name, help=text, description=text)
        module.add_arguments(parser)
        parser.set_defaults(handler=module.main)
    notebooks = sub.add_parser("notebooks", help="copy notebooks/ to or from the workspace, per branch")
    nb_sub = notebooks.add_subparsers(dest="notebooks_command", required=True)
    for name, text in (("push", "copy notebooks/ into /Users/<user>/<branch>/notebooks"),
                       ("pull", "bring /Users/<user>/<branch>/notebooks back into notebooks/")):
        parser = nb_sub.add_parser(name, help=text, description=text)
        notebook_sync.add_arguments(parser, name)
        parser.set_defaults(handler=getattr(notebook_sync, name))


def run_command(args: argparse.Namespace) -> int:
    """The subcommand's exit code; a workspace error outside a driver's steps is one clear line."""
    from databricks.sdk.errors import DatabricksError

    from telco_churn.ci.errors import CiError

    try:
        return args.handler(args)
    except DatabricksError as exc:
        raise CiError(f"the workspace refused a request: {exc}") from None
