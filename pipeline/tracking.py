"""Optional MLflow logging: params, metrics and the version directory of one run.

mlflow is imported only here and only when asked for: it is slow to import and the pipeline
must run without a tracking server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import PipelineError


def _flat(prefix: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in doc.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flat(f"{key}.", v))
        else:
            out[key] = v
    return out


def scalar_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """MLflow metrics are scalars: the confusion matrix becomes its four cells."""
    out = {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))}
    cm = metrics.get("confusion_matrix")
    if cm is not None:
        (tn, fp), (fn, tp) = cm
        out.update({"tn": tn, "fp": fp, "fn": fn, "tp": tp})
    return out


def evaluation_metrics(metadata: Mapping[str, Any]) -> dict[str, float]:
    """The held-out lift/capture/precision at k %, each fold metric's mean and sd as
    `cv.<metric>.mean` / `cv.<metric>.sd`, the out-of-fold `calibration.brier` /
    `calibration.ece`, and with an adopted calibrator its nested `calibration.after.brier` /
    `calibration.after.ece` (absent keys: a version without them)."""
    out: dict[str, float] = {}
    if metadata.get("ranking"):
        out.update(metadata["ranking"]["held_out"])
    if metadata.get("cross_validation"):
        for name, summary in metadata["cross_validation"]["metrics"].items():
            out[f"cv.{name}.mean"] = summary["mean"]
            out[f"cv.{name}.sd"] = summary["sd"]
    if metadata.get("calibration"):
        out["calibration.brier"] = metadata["calibration"]["brier"]
        out["calibration.ece"] = metadata["calibration"]["ece"]
        after = (metadata["calibration"].get("calibrator") or {}).get("after")
        if after:
            out["calibration.after.brier"] = after["brier"]
            out["calibration.after.ece"] = after["ece"]
    return out


def _log_gains_curve(mlflow: Any, metadata: Mapping[str, Any]) -> None:
    """The gains curve as one metric over steps (the percent of leads called), so MLflow's
    chart of `gains_capture` is the curve itself."""
    if not metadata.get("ranking"):
        return
    curve = metadata["ranking"]["gains_curve"]
    for fraction, capture in zip(curve["fraction_of_leads"], curve["capture"], strict=True):
        mlflow.log_metric("gains_capture", capture, step=round(fraction * 100))


def _mlflow(uri: str, experiment: str) -> Any:
    """The mlflow module, pointed at `uri` and `experiment`."""
    if uri.startswith("file:") or "://" not in uri:
        # MLflow 3 refuses a local file store unless opted in; the user asked for one
        # explicitly by passing this URI, so opt in for this process.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    try:
        import mlflow
    except ImportError:
        raise PipelineError("--mlflow-uri needs the mlflow package: pip install mlflow") from None
    try:
        mlflow.set_tracking_uri(uri)
        mlflow.set_experiment(experiment)
    except Exception as e:
        raise PipelineError(f"MLflow logging to {uri} failed: {e}".splitlines()[0]) from e
    return mlflow


def start_run(uri: str, metadata: Mapping[str, Any]) -> str:
    """Creates the run before the model is published, so that its id can go into the version's
    lineage; log_run fills it in afterwards. Returns the run id."""
    mlflow = _mlflow(uri, metadata["name"])
    try:
        with mlflow.start_run(run_name=metadata["name"]) as run:
            return run.info.run_id
    except Exception as e:
        raise PipelineError(f"MLflow logging to {uri} failed: {e}".splitlines()[0]) from e


def log_run(
    uri: str,
    version_dir: str | Path,
    metadata: Mapping[str, Any],
    version: str | None = None,
    run_id: str | None = None,
) -> str:
    """Log one training run to the MLflow tracking server/store at `uri`; returns its run id.

    `version`: the number the registry gave the model (default: metadata's, as exported).
    `run_id`: a run made by start_run, to fill in (default: a new run).
    """
    version = version or metadata["version"]
    mlflow = _mlflow(uri, metadata["name"])
    try:
        name = f"{metadata['name']}-{version}"
        with mlflow.start_run(run_id=run_id, run_name=None if run_id else name) as run:
            if run_id is not None:  # named now that the registry has given the version
                mlflow.set_tag("mlflow.runName", name)
            params = {**_flat("", metadata["params"]), **_flat("data.", metadata["training_data"])}
            if metadata.get("search"):
                params.update(_flat("search.", metadata["search"]))
            mlflow.log_params(params)
            mlflow.log_metrics(scalar_metrics(metadata["metrics"]))
            mlflow.log_metrics(evaluation_metrics(metadata))
            _log_gains_curve(mlflow, metadata)
            mlflow.set_tags(
                {
                    "model.name": metadata["name"],
                    "model.version": version,
                    "task": metadata["task"],
                    "primary_metric": metadata["primary_metric"]["name"],
                }
            )
            mlflow.log_artifacts(str(version_dir), artifact_path="model")
            return run.info.run_id
    except PipelineError:
        raise
    except Exception as e:
        raise PipelineError(f"MLflow logging to {uri} failed: {e}".splitlines()[0]) from e
