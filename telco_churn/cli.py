"""`telco-churn`: run a job, promote a model by hand, run the whole story, launch a workflow."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from telco_churn.engine import ENGINES


def _add_place(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", default="local", help="environment (default local)")
    parser.add_argument("--env-file", default=None, help="environments YAML (default conf/environments.yml)")
    parser.add_argument("--engine", choices=ENGINES, default=None, help="Spark engine (default auto)")
    parser.add_argument("--workspace-dir", default=None, help="local lakehouse folder (default <checkout>/.lakehouse)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="telco-churn", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run one job; the remaining arguments go to the job")
    run.add_argument("job", help="demo-setup, data-ingest, feature-table-creation, model-train, model-monitoring, "
                                 "model-deployment or model-inference-batch")
    run.add_argument("job_args", nargs=argparse.REMAINDER)

    promote = sub.add_parser("promote", help="the manual registry step: set a stage or an alias")
    promote.add_argument("--version", required=True, type=int, help="model version number")
    target = promote.add_mutually_exclusive_group(required=True)
    target.add_argument("--stage", choices=["None", "Staging", "Production", "Archived"])
    target.add_argument("--alias", help="e.g. challenger or champion")
    target.add_argument("--remove-alias", metavar="ALIAS")
    _add_place(promote)

    models = sub.add_parser("models", help="list the registered versions with their stages and aliases")
    _add_place(models)

    story = sub.add_parser("story", help="the whole lifecycle from nothing, on the local engine")
    story.add_argument("--engine", choices=ENGINES, default=None)
    story.add_argument("--workspace-dir", default=None)
    story.add_argument("--no-loop", dest="loop", action="store_false",
                       help="stop after the lifecycle's summary, without the monitoring loop")
    story.add_argument("--timings", default=None, help=argparse.SUPPRESS)  # JSON of the parts' seconds (benchmarks)

    launch = sub.add_parser("launch", help="run a workflow of conf/deployment.yml locally")
    launch.add_argument("workflow")
    launch.add_argument("--environment", default=None, help="deployment.yml environment (default: from the name's prefix)")
    launch.add_argument("--deployment-file", default=None)
    launch.add_argument("--engine", choices=ENGINES, default=None)
    launch.add_argument("--workspace-dir", default=None)

    workspace = sub.add_parser("workspace", help="a local Databricks workspace: serve, start, stop, status, env",
                               add_help=False)
    workspace.add_argument("workspace_args", nargs=argparse.REMAINDER)

    from telco_churn.ci.commands import add_commands

    add_commands(sub)

    drift = sub.add_parser("simulate-drift", help="daily batches of real customers with a shift from a chosen day, "
                                                  "and their labels known some days later")
    drift.add_argument("--out", required=True, help="folder for day=YYYY-MM-DD/customers.csv and late_labels.csv")
    drift.add_argument("--days", type=int, default=14)
    drift.add_argument("--rows-per-day", type=int, default=500)
    drift.add_argument("--start", default=None, help="first day, YYYY-MM-DD (default: today, UTC)")
    drift.add_argument("--shift-from-day", type=int, default=7, help="index of the first shifted day (0 = --start)")
    drift.add_argument("--month-to-month", type=float, default=None, help="share of month-to-month contracts (real: 0.55)")
    drift.add_argument("--fiber-optic", type=float, default=None, help="share of fibre-optic customers (real: 0.44)")
    drift.add_argument("--charges-factor", type=float, default=1.0, help="MonthlyCharges and TotalCharges times this")
    drift.add_argument("--label-delay-days", type=int, default=3)
    drift.add_argument("--seed", type=int, default=20240)

    refs = sub.add_parser("resolve-job-refs", help="a copy of the deployment file with run_job_task's job://NAME "
                                                   "replaced by the workspace's job id (dbx cannot resolve it)")
    refs.add_argument("--deployment-file", default="conf/deployment.yml")
    refs.add_argument("--out", default="conf/deployment-resolved.yml",
                      help="the copy for `dbx deploy --deployment-file` (keep it beside conf/, for its file references)")
    refs.add_argument("--profile", default=None, help="~/.databrickscfg profile (default DATABRICKS_HOST/TOKEN)")
    refs.add_argument("--environment", default=None, help="keep only this environment (dev, staging, prod)")

    volume = sub.add_parser("artifact-volume", help="create the Unity Catalog volume (and its catalog and schema, "
                                                    "if missing) of .dbx/project.json's artifact_location")
    volume.add_argument("--environment", required=True, help="an environment of .dbx/project.json")
    volume.add_argument("--project-json", default=".dbx/project.json")
    volume.add_argument("--profile", default=None, help="~/.databrickscfg profile (default DATABRICKS_HOST/TOKEN)")

    ui = sub.add_parser("ui", help="open the MLflow UI on the local tracking store")
    ui.add_argument("--workspace-dir", default=None)
    ui.add_argument("--port", type=int, default=5000)
    return parser


def _registry(args):
    from telco_churn.config.environment import load_environment
    from telco_churn.engine import resolve_engine
    from telco_churn.paths import default_env_file, local_workspace_dir
    from telco_churn.registry import ModelRegistry
    from telco_churn.tracking import TrackingStore

    env = load_environment(args.env_file or default_env_file(), args.env)
    folder = None
    if resolve_engine(args.engine) == "databricks":
        store = TrackingStore.databricks(unity_catalog=env.catalog is not None)
    else:
        folder = local_workspace_dir(args.workspace_dir)
        store = TrackingStore.local(folder)
    store.activate()
    return ModelRegistry(env.registered_model_name, env.model_registry), folder


def promote(args) -> int:
    from telco_churn.logging_setup import get_logger
    from telco_churn.pipelines.locking import turn_in

    registry, folder = _registry(args)
    # The lock model-deployment and model-train take: a hand promotion never interleaves with theirs.
    with turn_in(folder, f"registry {registry.name}", get_logger("promote")):
        _apply_promotion(registry, args)
    return 0


def _apply_promotion(registry, args) -> None:
    if args.stage:
        registry.set_stage(args.version, args.stage)
        print(f"{registry.name} v{args.version} -> stage {args.stage}")
    elif args.alias:
        registry.set_alias(args.version, args.alias)
        print(f"{registry.name} v{args.version} -> alias @{args.alias}")
    else:
        registry.remove_alias(args.remove_alias)
        print(f"{registry.name}: alias @{args.remove_alias} removed")


def list_models(args) -> int:
    registry, _ = _registry(args)
    versions = registry.versions()
    if not versions:
        print(f"No versions of {registry.name}")
    for v in versions:
        aliases = " ".join(f"@{a}" for a in v.aliases)
        print(f"{registry.name} v{v.version}: stage {v.stage} {aliases}".rstrip())
    return 0


def simulate_drift(args) -> int:
    from datetime import date, datetime, timezone

    from telco_churn.monitoring.simulate import Shift, simulate, write_simulation

    start = date.fromisoformat(args.start) if args.start else datetime.now(timezone.utc).date()
    if args.days < 1 or args.rows_per_day < 1 or args.label_delay_days < 0:
        raise ValueError("--days and --rows-per-day must be at least 1, --label-delay-days at least 0")
    shift = Shift(args.month_to_month, args.fiber_optic, args.charges_factor)
    sim = simulate(args.days, args.rows_per_day, start, shift, args.shift_from_day, args.label_delay_days, args.seed)
    paths = write_simulation(sim, args.out)
    print(f"{len(paths) - 1} daily batch(es) of {args.rows_per_day} customers from {start} (shifted from day "
          f"{args.shift_from_day}) and their labels (known {args.label_delay_days} day(s) later) in {args.out}")
    return 0


def _workspace(argv: list[str]) -> int:
    """`telco-churn workspace ...`: the local workspace's own CLI, with its folder in the checkout.

    The workspace is a package of its own (local-workspace/), installed locally, not in the wheel.
    """
    from local_workspace.cli import main as workspace_main
    from telco_churn.paths import project_root

    called = sys.argv[0] if os.path.basename(sys.argv[0]) == "telco-churn" else "telco-churn"
    return workspace_main(argv, default_dir=project_root() / ".workspace", command=f"{called} workspace")


def main(argv: Sequence[str] | None = None) -> int:
    from telco_churn.errors import TelcoChurnError

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["workspace"]:
        return _workspace(argv[1:])
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            from telco_churn.jobs import JOBS

            if args.job not in JOBS:
                print(f"unknown job '{args.job}'; valid: {', '.join(JOBS)}", file=sys.stderr)
                return 2
            return JOBS[args.job].main(args.job_args)
        if args.command == "promote":
            return promote(args)
        if args.command == "models":
            return list_models(args)
        if args.command == "story":
            from telco_churn.story import run_story

            return run_story(engine=args.engine, workspace_dir=args.workspace_dir, loop=args.loop,
                             timings=args.timings)
        if args.command == "launch":
            from telco_churn.deployment.launcher import launch

            return launch(args.workflow, environment=args.environment, deployment_file=args.deployment_file,
                          engine=args.engine, workspace_dir=args.workspace_dir)
        if args.command in ("ci", "notebooks"):
            from telco_churn.ci.commands import run_command

            return run_command(args)
        if args.command == "simulate-drift":
            return simulate_drift(args)
        if args.command == "resolve-job-refs":
            from telco_churn.ci.client import workspace_client
            from telco_churn.deployment.job_refs import workspace_job_ids, write_resolved

            names = write_resolved(args.deployment_file, args.out, workspace_job_ids(workspace_client(args.profile)),
                                   args.environment)
            print(f"{args.out}: job://{', job://'.join(names) or '(none)'} resolved")
            return 0
        if args.command == "artifact-volume":
            from telco_churn.deployment.artifact_volume import main as artifact_volume_main

            return artifact_volume_main(args)
        if args.command == "ui":
            from telco_churn.paths import local_workspace_dir
            from telco_churn.tracking import TrackingStore

            store = TrackingStore.local(local_workspace_dir(args.workspace_dir))
            # This interpreter's mlflow: the virtualenv need not be activated.
            command = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", store.tracking_uri,
                       "--port", str(args.port)]
            print(" ".join(command), flush=True)
            os.execv(command[0], command)
    except (TelcoChurnError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    return 0


def console() -> None:
    """The `telco-churn` console script: main() without the interpreter's teardown at exit."""
    from telco_churn.process_exit import run_then_exit

    run_then_exit(main)


if __name__ == "__main__":
    console()
