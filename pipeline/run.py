"""The whole pipeline in one process: ingest → preprocess → train → evaluate → export →
register (→ MLflow). Each stage is a plain function; this module only wires and reports them.

Export writes a version folder whose version is UNPUBLISHED_VERSION; register hands it to the
registry CLI, which numbers it (and restamps metadata.json) as it publishes it."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import calibrator as cal
from .baselines import score_baseline, training_profile
from .calibration import calibration_report
from .calibration_choice import check_request as check_calibration
from .calibration_choice import choose as choose_calibrator
from .config import DEFAULT_ALIAS, UNPUBLISHED_VERSION, RunConfig
from .cross_validate import check_settings, cross_validate
from .errors import PipelineError
from .evaluate import evaluate, predict, primary_metric
from .evaluation_report import evaluation_lines
from .export import check_export_dir, export
from .gcs_output import check_gcs_output, is_gcs_uri, upload_version_dir
from .golden import check_coverage, golden_instances
from .ingest import IngestResult, ingest
from .paired_comparison import compare_with_production
from .paired_comparison import describe as describe_comparison
from .preprocess import PreprocessResult, preprocess
from .production_model import ProductionModel, read_production
from .profile import profile
from .ranking import held_out_ranking
from .read_table import describe_delimiter
from .register import Published, code_commit, publish, registry_cli
from .train import TrainResult, train
from .training_rows import training_rows_document


def export_version(
    out_dir: Path,
    *,
    name: str,
    version: str,
    data: IngestResult,
    prep: PreprocessResult,
    trained: TrainResult,
    metrics: dict[str, Any],
    test_size: float,
    seed: int,
    golden_rows: int,
    cross_validation: dict[str, Any] | None = None,
    calibration: dict[str, Any] | None = None,
    comparison: dict[str, Any] | None = None,
    calibrator: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Export from the stages' results: shared by the local run and the KFP export step."""
    baselines, explain = training_profile(prep.train_frame, prep.preprocessor)
    held_out = predict(trained.model, prep.x_test)
    # The drift baseline of the score is of the score the service answers: calibrated, if so.
    served = cal.apply(calibrator, held_out) if calibrator else held_out
    training_data = {
        **data.training_data,
        "train_rows": len(prep.y_train),
        "test_rows": len(prep.y_test),
        "test_size": test_size,
        "split_seed": seed,
        "stratified": data.task == "binary",
    }
    return export(
        out_dir,
        name=name,
        version=version,
        task=data.task,
        target=data.target_name,
        model=trained.model,
        params=trained.params,
        search=trained.search,
        metrics=metrics,
        preprocessor=prep.preprocessor,
        golden_instances=golden_instances(
            prep.test_instances, prep.fields, data.missing_values, golden_rows
        ),
        baselines=baselines,
        score_baseline=score_baseline(served),
        explain_baseline=explain,
        training_data=training_data,
        check_x=prep.x_test,
        field_descriptions={f.name: f.description for f in data.fields if f.description},
        cross_validation=cross_validation,
        calibration=calibration,
        ranking=held_out_ranking(data.task, prep.y_test, held_out),
        comparison=comparison,
        calibrator=calibrator,
        training_rows=training_rows_document(prep.train_frame, [f.name for f in prep.fields]),
    )


@dataclass
class RunResult:
    version_dir: Path | None  # the exported version folder; None when it was a temporary one
    metadata: dict[str, Any]  # its metadata.json (version: UNPUBLISHED_VERSION)
    published: Published | None  # what the registry did with it, when one was given
    mlflow_run_id: str | None
    uploaded_to: str | None = None  # --out gs://…: where the version folder was written


def stage_reporter(
    log: Callable[[str], None], clock: Callable[[], float] = time.monotonic
) -> Callable[[int, str, str], None]:
    """One line per stage with that stage's own duration: the time since the previous line (or
    since the reporter was made), so a slow stage shows as slow, not every stage after it."""
    last = clock()

    def stage(i: int, label: str, msg: str) -> None:
        nonlocal last
        now = clock()
        log(f"[{i}/6] {label:<10} {msg}  ({now - last:.1f}s)")
        last = now

    return stage


def check_profile(data: IngestResult, strict: bool, log: Callable[[str], None]) -> None:
    """Print the data profile (with the column → field mapping) and its warnings; with
    `strict`, warnings are an error."""
    found = profile(data)
    for line in found.lines():
        log(line)
    for w in found.warnings:
        log(f"warning: {w}")
    if strict and found.warnings:
        raise PipelineError(
            f"--strict: {len(found.warnings)} data warning(s), first: {found.warnings[0]}"
        )


def _dialect(info: dict[str, Any]) -> str:
    if info.get("format") != "csv":
        return f" ({info['format']})" if "format" in info else ""
    return f" (csv, {describe_delimiter(info['delimiter'])}-separated, {info['encoding']})"


def _task_reason(config: RunConfig) -> str:
    if config.data.positive_class is not None:
        return f"positive class {config.data.positive_class!r}"
    return "--task" if config.task else "inferred from the target"


def evaluate_stage(
    data: IngestResult,
    prep: PreprocessResult,
    trained: TrainResult,
    config: RunConfig,
    production: ProductionModel | None,
    stage: Callable[[int, str, str], None],
    log: Callable[[str], None],
) -> tuple[
    dict[str, Any],
    dict[str, Any] | None,
    dict[str, Any] | None,
    dict[str, Any] | None,
    dict[str, Any] | None,
]:
    """Held-out metrics, fold metrics, calibration on out-of-fold predictions (with the
    calibrator's decision), when production was read the paired comparison with it, and the
    calibrator's table (None: no calibrator); printed as the evaluate stage."""
    metrics = evaluate(trained.model, prep.x_test, prep.y_test, data.task, config.threshold)
    shown = ", ".join(f"{k} {v:.4f}" for k, v in metrics.items() if isinstance(v, float))
    folds = cross_validate(
        prep.x_train,
        prep.y_train,
        data.task,
        trained.params,
        folds=config.eval_folds,
        repeats=config.eval_repeats,
        seed=config.train.seed,
        threshold=config.threshold,
    )
    cv = folds.summary if folds else None
    held_out = predict(trained.model, prep.x_test)
    calibration = None
    table = None
    if folds and data.task == "binary":
        calibration = calibration_report(prep.y_train, folds.out_of_fold)
        choice = choose_calibrator(
            config.calibration,
            prep.y_train,
            folds.out_of_fold,
            folds.fold_of,
            held_out=(prep.y_test, held_out),
        )
        calibration["calibrator"] = choice.summary
        table = choice.table
    stage(4, "evaluate", f"held-out: {shown}")
    ranking = held_out_ranking(data.task, prep.y_test, held_out)
    for line in evaluation_lines(cv, ranking, calibration):
        log(f"        {line}")
    comparison = (
        compare_with_production(
            production,
            primary_metric(data.task, metrics),
            prep.test_instances,
            prep.y_test,
            held_out,
            level=config.promotion_level,
            seed=config.train.seed,
            margin=config.promotion_margin,
        )
        if production is not None
        else None
    )
    if comparison is not None:
        log(f"        candidate − production: {describe_comparison(comparison)}")
    return metrics, cv, calibration, comparison, table


def run_pipeline(
    source: str,
    config: RunConfig,
    *,
    name: str,
    out: str | Path | None = None,
    registry: str | Path | None = None,
    alias: str | None = None,
    promote_if_better: bool = False,
    major: bool = False,
    mlflow_uri: str | None = None,
    compare_registry: str | Path | None = None,
    log: Callable[[str], None] = print,
) -> RunResult:
    """Train and export into `out` (a new or empty folder, or gs:// prefix), and/or publish to
    `registry`. `compare_registry` (without `registry`): compare with its `alias` for a later
    promote-if-better without publishing here (the retrain job publishes under its lock)."""
    if out is None and registry is None:
        raise PipelineError("nowhere to put the model: give a registry, an output folder or both")
    # --out gs://…: exported into a temporary folder, then uploaded.
    upload_to = str(out) if out is not None and is_gcs_uri(out) else None
    local_out = Path(out) if out is not None and upload_to is None else None
    # Say what cannot work before training, not after.
    if local_out is not None:
        check_export_dir(local_out)
    if upload_to is not None:
        check_gcs_output(upload_to)
    check_settings(config.eval_folds, config.eval_repeats)
    cli = registry_cli() if registry is not None else None
    # Promotion compares with production on the same rows: read it now, not after training.
    compared = registry if registry is not None and promote_if_better else compare_registry
    production = (
        read_production(compared, name, alias or DEFAULT_ALIAS) if compared is not None else None
    )
    stage = stage_reporter(log)

    data = ingest(source, config.data, config.task)
    n_num = sum(f.type == "numeric" for f in data.fields)
    stage(
        1,
        "ingest",
        f"{data.training_data['rows']} rows{_dialect(data.training_data)}, "
        f"{len(data.fields)} fields ({n_num} numeric, {len(data.fields) - n_num} categorical), "
        f"task {data.task} ({_task_reason(config)})",
    )
    check_profile(data, config.strict, log)
    check_calibration(config.calibration, data.task, config.eval_repeats)

    prep = preprocess(data, config.test_size, config.train.seed)
    # The golden file's requirements hold or fail now, not after minutes of training.
    check_coverage(
        golden_instances(prep.test_instances, prep.fields, data.missing_values, config.golden_rows),
        prep.preprocessor,
    )
    stage(
        2,
        "preprocess",
        f"train {len(prep.y_train)} / test {len(prep.y_test)} rows → "
        f"{prep.preprocessor['n_outputs']} features (JSON transform == sklearn: ok)",
    )

    trained = train(prep.x_train, prep.y_train, data.task, config.train)
    searched = (
        f", search best CV {trained.search['scoring']} {trained.search['best_cv_score']:.4f}"
        if trained.search
        else ""
    )
    stage(
        3,
        "train",
        f"{trained.params['objective']}, {trained.params['n_estimators']} trees{searched}",
    )

    metrics, cv, calibration, comparison, calibrator = evaluate_stage(
        data, prep, trained, config, production, stage, log
    )

    with tempfile.TemporaryDirectory(prefix="lead-scoring-export-") as tmp:
        version_dir = local_out if local_out is not None else Path(tmp) / name
        metadata = export_version(
            version_dir,
            name=name,
            version=UNPUBLISHED_VERSION,
            data=data,
            prep=prep,
            trained=trained,
            metrics=metrics,
            test_size=config.test_size,
            seed=config.train.seed,
            golden_rows=config.golden_rows,
            cross_validation=cv,
            calibration=calibration,
            comparison=comparison,
            calibrator=calibrator,
        )
        if upload_to is not None:
            upload_version_dir(version_dir, upload_to)
        stage(
            5,
            "export",
            f"model.onnx output {metadata['onnx']['output']!r} == XGBoost on "
            f"{config.golden_rows} golden + {len(prep.y_test)} held-out rows (within tolerance)"
            + (f" → {upload_to or version_dir}" if out is not None else ""),
        )
        # The MLflow run exists before publishing, so the version's lineage can name it.
        run_id = None
        if mlflow_uri:
            from .tracking import start_run

            run_id = start_run(mlflow_uri, metadata)
        published = None
        if registry is not None:
            try:
                published = publish(
                    version_dir,
                    registry,
                    name,
                    alias=alias,
                    promote_if_better=promote_if_better,
                    major=major,
                    run_id=run_id,
                    git_commit=code_commit(),
                    cli=cli,
                )
            except PipelineError as e:
                kept = "" if out is not None else " (an output folder would keep the trained model)"
                raise PipelineError(f"{e}{kept}") from e
        stage(6, "register", str(published) if published else "skipped (no registry given)")

        if mlflow_uri:
            from .tracking import log_run

            version = published.version if published else None
            log_run(mlflow_uri, version_dir, metadata, version=version, run_id=run_id)
            log(f"        mlflow     run {run_id} at {mlflow_uri}")
    return RunResult(
        version_dir=local_out,
        metadata=metadata,
        published=published,
        mlflow_run_id=run_id,
        uploaded_to=upload_to,
    )
