"""Command line: `python -m pipeline run|register|retrain|compile-kfp`.

Bad input ends with one line on stderr and exit code 1 (usage errors: argparse's 2); a
traceback is shown only with --debug, because anything but a PipelineError is a bug. As with
`lead-scoring registry publish`, which publishes for both commands, exit code 3 means
published, but --promote-if-better kept the alias where it was, and 4 published, but not
promoted because someone else moved the alias while the registry decided.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import fields

from .calibrator import CHOICES as CALIBRATION_CHOICES
from .config import (
    DEFAULTS,
    LEAD_PRESET,
    NO_PRESET,
    PRESETS,
    RunConfig,
    TrainConfig,
    data_config_from_preset,
)
from .errors import PipelineError
from .register import exit_code
from .retrain_cli import add_retrain_parser, retrain_command

EPILOG = f"""\
examples:
  # your own CSV (delimiter and encoding detected), a yes/no target:
  python -m pipeline run --data leads.csv --target y --positive-class yes \\
      --id-column "Customer ID" --name my-leads --registry /tmp/registry

  # the default lead-scoring model:
  python -m pipeline run --data ../shared/datasets/leads-x-education.csv \\
      --preset {LEAD_PRESET} --name lead-scoring --registry models

--registry publishes through the service's CLI (`lead-scoring registry publish`), which numbers
the version; --out only writes the version folder (version 0.0.0 until it is published).

No preset is applied unless named. --preset {LEAD_PRESET} (the X Education data) drops the id
columns (Prospect ID, Lead Number) and the nine leakage columns (Tags, Lead Quality, Lead
Profile, Last Activity, Last Notable Activity, Asymmetrique *), treats "Select" and "" as
missing, and snake_cases field names. --id-column/--exclude/--missing-value replace the
preset's list when given. Columns a preset or flag names must exist in the data.

Before training, a profile of the data is printed with a warning for id-like, constant and
leaky (single-feature ROC-AUC > 0.95) columns and numeric columns named like an outcome;
--strict makes them errors.
"""


def _delimiter(s: str) -> str:
    named = {"tab": "\t", "\\t": "\t"}
    d = named.get(s, s)
    if len(d) != 1:
        raise argparse.ArgumentTypeError(f"expected one character (or 'tab'), got {s!r}")
    return d


def _level(s: str) -> float:
    try:
        level = float(s)
    except ValueError:
        level = float("nan")
    if not 0.0 < level < 1.0:
        raise argparse.ArgumentTypeError(f"expected a confidence level between 0 and 1, got {s!r}")
    return level


def _rename(s: str) -> tuple[str, str]:
    if "=" not in s:
        raise argparse.ArgumentTypeError(f"expected SOURCE=NAME, got {s!r}")
    src, _, dst = s.partition("=")
    return src, dst


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Train, verify and register lead-scoring models (XGBoost → ONNX).",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks of unexpected errors")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser(
        "run",
        help="ingest → preprocess → train → evaluate → export → register",
        description="Run the whole training pipeline and register a new model version.",
        epilog=EPILOG,
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = r.add_argument_group("data")
    src.add_argument(
        "--data",
        required=True,
        help="CSV or Parquet (.parquet) file: a path or gs://bucket/object; or "
        "bq://project.dataset.table",
    )
    src.add_argument(
        "--target",
        help=f"target column (required without a preset; {LEAD_PRESET}'s: "
        f"{PRESETS[LEAD_PRESET].target})",
    )
    src.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=NO_PRESET,
        help=f"settings for known data (default: {NO_PRESET})",
    )
    src.add_argument(
        "--allow-missing-preset-columns",
        dest="allow_missing_columns",
        action="store_true",
        help="ignore columns the preset or flags name that the data does not have",
    )
    src.add_argument(
        "--delimiter",
        type=_delimiter,
        metavar="CHAR",
        help="CSV field separator (default: detected among , ; tab |); 'tab' or '\\t' for tab",
    )
    src.add_argument(
        "--encoding",
        metavar="NAME",
        help="CSV text encoding, e.g. utf-8, cp1252 (default: utf-8, else cp1252, else latin-1)",
    )
    src.add_argument(
        "--id-column", action="append", metavar="COL", help="id column to drop (repeatable)"
    )
    src.add_argument(
        "--exclude", action="append", metavar="COL", help="column to drop (repeatable)"
    )
    src.add_argument(
        "--missing-value",
        action="append",
        metavar="STR",
        help="string meaning missing (repeatable)",
    )
    src.add_argument(
        "--rename",
        action="append",
        type=_rename,
        metavar="COL=NAME",
        help="field name for a column",
    )
    src.add_argument(
        "--snake-case-fields",
        action="store_true",
        help="request field names in snake_case ('Lead Origin' → lead_origin); default: the "
        f"column names as they are (the {LEAD_PRESET} preset turns this on)",
    )
    src.add_argument(
        "--task", choices=["binary", "regression"], help="default: inferred from the target"
    )
    src.add_argument(
        "--positive-class",
        metavar="VALUE",
        help="for a text or boolean target: the value to predict (binary task; others are 0)",
    )
    src.add_argument("--strict", action="store_true", help="the data profile's warnings are errors")

    t = r.add_argument_group("training")
    # The dest of every TrainConfig flag is its field name: run_config builds TrainConfig.
    d = DEFAULTS.train
    t.add_argument("--n-estimators", type=int, default=d.n_estimators)
    t.add_argument("--max-depth", type=int, default=d.max_depth)
    t.add_argument("--learning-rate", type=float, default=d.learning_rate)
    t.add_argument("--subsample", type=float, default=d.subsample)
    t.add_argument("--colsample-bytree", type=float, default=d.colsample_bytree)
    t.add_argument("--seed", type=int, default=d.seed, help="split and training seed")
    t.add_argument(
        "--n-jobs", type=int, default=d.n_jobs, help="XGBoost threads (fixed for reproducibility)"
    )
    t.add_argument(
        "--search",
        dest="search_iterations",
        type=int,
        default=d.search_iterations,
        metavar="N",
        help="randomized search budget (0 = off), scored by k-fold CV (--cv-folds)",
    )
    t.add_argument("--cv-folds", dest="search_folds", type=int, default=d.search_folds)
    t.add_argument("--test-size", type=float, default=DEFAULTS.test_size)
    t.add_argument(
        "--threshold",
        type=float,
        default=DEFAULTS.threshold,
        help="decision threshold for binary metrics",
    )
    t.add_argument(
        "--golden-rows",
        type=int,
        default=DEFAULTS.golden_rows,
        help="held-out rows in golden.json (≥200 by contract)",
    )

    _evaluation_options(r)

    o = r.add_argument_group("output (--registry, --out or both)")
    o.add_argument("--name", required=True, help="model name, e.g. lead-scoring")
    o.add_argument(
        "--out",
        metavar="DIR",
        help="write the version folder here (new or empty): a directory or gs://bucket/prefix",
    )
    _publish_options(o, required=False)
    o.add_argument(
        "--mlflow-uri",
        default=os.environ.get("MLFLOW_TRACKING_URI"),
        help="log to this MLflow tracking URI (default: $MLFLOW_TRACKING_URI; unset = no logging)",
    )

    g = sub.add_parser(
        "register",
        help="publish an exported version folder (lead-scoring registry publish)",
        description="Publish a version folder as the next version, through the registry CLI "
        "($LEAD_SCORING_CLI, this checkout's, or lead-scoring on PATH).",
        parents=[common],
    )
    g.add_argument("version_dir", help="an exported version folder: a directory or gs:// prefix")
    g.add_argument(
        "--name",
        help="expected model name, checked against the folder's metadata.name (default: that)",
    )
    _publish_options(g, required=True)

    add_retrain_parser(sub, common)  # retrain_cli.py (issue 17)

    k = sub.add_parser(
        "compile-kfp",
        help="compile the Kubeflow (Vertex AI) pipeline spec to YAML",
        parents=[common],
    )
    k.add_argument("output", help="where to write the pipeline YAML")
    k.add_argument(
        "--image",
        default=None,
        help="container image with this repository's pipeline package installed "
        "(see pipeline/Dockerfile)",
    )
    k.add_argument(
        "--service-image",
        default=None,
        help="default of the service_image parameter: the service's image (see Dockerfile), "
        "whose registry CLI the register step runs",
    )
    return p


def _evaluation_options(parser: argparse.ArgumentParser) -> None:
    """Evaluation on repeated k-fold of the training part (cross_validate.py)."""
    e = parser.add_argument_group("evaluation")
    e.add_argument(
        "--eval-folds",
        type=int,
        default=DEFAULTS.eval_folds,
        metavar="K",
        help="folds of the repeated (stratified) k-fold evaluation on the training part",
    )
    e.add_argument(
        "--eval-repeats",
        type=int,
        default=DEFAULTS.eval_repeats,
        metavar="R",
        help="repeats of that k-fold, each with another seeded shuffle (0 = no fold metrics)",
    )
    e.add_argument(
        "--promotion-level",
        type=_level,
        default=DEFAULTS.promotion_level,
        metavar="P",
        help="--promote-if-better promotes only when the paired bootstrap interval (at this "
        "confidence level) of candidate − production clears the margin",
    )
    e.add_argument(
        "--promotion-margin",
        type=float,
        default=DEFAULTS.promotion_margin,
        metavar="M",
        help="the improvement that whole interval must clear, in the primary metric's units "
        "(default: 0.005 for ROC-AUC, 0 for RMSE)",
    )
    e.add_argument(
        "--calibration",
        choices=CALIBRATION_CHOICES,
        default=DEFAULTS.calibration,
        help="the calibrator the service applies after the trees (binary; needs fold "
        "evaluation): auto = one only when it lowers the Brier score on folds (nested), "
        "or force isotonic / platt / none",
    )


def _publish_options(group: argparse._ActionsContainer, required: bool) -> None:
    """The options passed on to `lead-scoring registry publish`."""
    group.add_argument(
        "--registry",
        required=required,
        help="publish to this registry: a directory (e.g. models) or gs://bucket/prefix",
    )
    group.add_argument("--major", action="store_true", help="bump the major version")
    group.add_argument(
        "--promote-if-better",
        action="store_true",
        help="then move the alias to it only if its primary metric is better beyond noise "
        "(run: a paired comparison with the alias's version; register: strictly better)",
    )
    group.add_argument(
        "--alias", help="alias for --promote-if-better (the CLI's default: production)"
    )


def run_config(args: argparse.Namespace) -> RunConfig:
    """The RunConfig that `run`'s flags describe (no flag given: `DEFAULTS`)."""
    data = data_config_from_preset(
        args.preset,
        target=args.target,
        id_columns=args.id_column,
        exclude_columns=args.exclude,
        missing_values=args.missing_value,
        renames=dict(args.rename) if args.rename else None,
        snake_case_fields=args.snake_case_fields,
        positive_class=args.positive_class,
        allow_missing_columns=args.allow_missing_columns,
        delimiter=args.delimiter,
        encoding=args.encoding,
    )
    return RunConfig(
        data=data,
        train=TrainConfig(**{f.name: getattr(args, f.name) for f in fields(TrainConfig)}),
        task=args.task,
        test_size=args.test_size,
        threshold=args.threshold,
        golden_rows=args.golden_rows,
        strict=args.strict,
        eval_folds=args.eval_folds,
        eval_repeats=args.eval_repeats,
        promotion_level=args.promotion_level,
        promotion_margin=args.promotion_margin,
        calibration=args.calibration,
    )


def _run(args: argparse.Namespace) -> int:
    from .run import run_pipeline

    result = run_pipeline(
        args.data,
        run_config(args),
        name=args.name,
        out=args.out,
        registry=args.registry,
        alias=args.alias,
        promote_if_better=args.promote_if_better,
        major=args.major,
        mlflow_uri=args.mlflow_uri or None,
        log=lambda s: print(s, flush=True),
    )
    pm = result.metadata["primary_metric"]
    where = (
        result.published.location
        if result.published
        else (result.uploaded_to or result.version_dir)
    )
    print(f"done: {where} ({pm['name']} {pm['value']:.4f})")
    return exit_code(result.published)


def _register(args: argparse.Namespace) -> int:
    from .register import code_commit, publish

    published = publish(
        args.version_dir,
        args.registry,
        args.name,
        alias=args.alias,
        promote_if_better=args.promote_if_better,
        major=args.major,
        git_commit=code_commit(),
    )
    print(published.output)
    return exit_code(published)


def _compile(args: argparse.Namespace) -> int:
    from .kfp_pipeline import compile_pipeline

    compile_pipeline(args.output, image=args.image, service_image=args.service_image)
    print(f"wrote {args.output}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "run" and args.out is None and args.registry is None:
        parser.error("run: give --registry (publish), --out (the version folder only) or both")
    commands = {
        "run": _run,
        "register": _register,
        "compile-kfp": _compile,
        "retrain": retrain_command,
    }
    try:
        return commands[args.command](args)
    except PipelineError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug, not bad input: still one line unless --debug
        if args.debug:
            traceback.print_exc()
        else:
            first = str(e).splitlines()[0] if str(e) else ""
            print(
                f"error: unexpected {type(e).__name__}: {first} (rerun with --debug)",
                file=sys.stderr,
            )
        return 1
