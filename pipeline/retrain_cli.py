"""The `retrain` command's parser and handler (pipeline/cli.py registers them).

Training options are `run`'s own, given after `--` and parsed by `run`'s parser, so that the
two commands cannot drift apart: `retrain ... -- --preset lead-scoring --n-estimators 300`.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import Any

from .errors import PipelineError
from .register import exit_code

EPILOG = """\
example (the chart's retrain CronJob runs this):
  python -m pipeline retrain --registry gs://my-bucket/models --name lead-scoring \\
      --data gs://my-bucket/exports/leads.csv --if-requested --schedule-days 30 \\
      -- --preset lead-scoring

Exit codes: 0 nothing to do, backed off (another job holds the lock) or published and promoted;
3 published but the alias kept its version (not better beyond noise); 4 published but not
promoted, because someone else moved the alias while the registry decided (the requests are
done and say so: whoever moved it chose production, and the job does not undo that); 1 error
(requests stay pending, the next run retries them).
"""


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def add_retrain_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    r = sub.add_parser(
        "retrain",
        help="retrain when requested (drift/quality) or due, publish with promote-if-better",
        description="Train on --data and publish to a gs:// registry with --promote-if-better, "
        "under the registry's retrain lock; with --if-requested only when the monitoring job "
        "requested it or a full retrain is due. Marks the requests it served done.",
        epilog=EPILOG,
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("--registry", required=True, help="gs://bucket/prefix of the registry")
    r.add_argument("--data", required=True, help="training data: a path or gs://bucket/object")
    r.add_argument("--name", default="lead-scoring", help="model name (default: lead-scoring)")
    r.add_argument("--alias", help="alias promote-if-better moves (default: production)")
    r.add_argument(
        "--if-requested",
        action="store_true",
        help="train only when a retrain request is pending or --schedule-days says it is due",
    )
    r.add_argument(
        "--schedule-days",
        type=_positive,
        metavar="N",
        help="with --if-requested: also train when the last retrain is N days old (or none)",
    )
    r.add_argument(
        "--lock-minutes",
        type=_positive,
        default=15.0,
        metavar="M",
        help="the lock expires M minutes after its last renewal, so a crashed job does not "
        "block the next; a working job renews it every M/3 minutes (default 15)",
    )
    r.add_argument(
        "run_options",
        nargs="*",
        metavar="-- RUN_OPTIONS",
        help="`python -m pipeline run`'s data and training options (e.g. --preset, --target)",
    )


def retrain_command(args: argparse.Namespace) -> int:
    from .cli import build_parser, run_config
    from .retrain import retrain

    # run's parser reads the training options; retrain's own flags are not run's to set.
    run_args = build_parser().parse_args(
        ["run", *args.run_options, "--data", args.data, "--name", args.name]
    )
    if run_args.registry is not None or run_args.promote_if_better or run_args.alias is not None:
        raise PipelineError(
            "retrain: give --registry and --alias before `--`; retrain always publishes with "
            "--promote-if-better"
        )
    done = retrain(
        args.data,
        run_config(run_args),
        registry=args.registry,
        name=args.name,
        alias=args.alias,
        if_requested=args.if_requested,
        schedule_days=args.schedule_days,
        lock_ttl=timedelta(minutes=args.lock_minutes),
        major=run_args.major,
        mlflow_uri=run_args.mlflow_uri or None,
        log=lambda s: print(s, flush=True),
    )
    return exit_code(done.published)
