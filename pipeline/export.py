"""Stage 5, export: write one version directory and prove the ONNX model matches XGBoost.

Order matters: payload files first, checks next, metadata.json last; a failed check leaves
no metadata.json, so the directory is never mistaken for a complete version.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxmltools
import onnxruntime as ort
import xgboost as xgb
from onnxmltools.convert.common.data_types import FloatTensorType

from . import artifacts as a
from .baselines import request_schema
from .errors import PipelineError
from .evaluate import primary_metric
from .golden import build_golden, check_coverage
from .train import OBJECTIVES

METADATA_FORMAT = "lead-scoring-model/v1"
ONNX_INPUT = "input"


def to_onnx(model: xgb.XGBModel, n_features: int, name: str) -> onnx.ModelProto:
    """ai.onnx.ml tree ensemble over the float32 matrix; checked by onnx.checker."""
    try:
        proto = onnxmltools.convert_xgboost(
            model,
            # A fixed graph name (the default is a random uuid) keeps model.onnx byte-identical
            # across reruns, so its sha256 shows whether a retrain changed anything.
            name=name,
            initial_types=[(ONNX_INPUT, FloatTensorType([None, n_features]))],
        )
        onnx.checker.check_model(proto, full_check=True)
    except Exception as e:  # converter/checker errors are version-pairing problems
        raise PipelineError(f"ONNX conversion failed: {e}".splitlines()[0]) from e
    return proto


def onnx_output(session: ort.InferenceSession, task: str) -> tuple[str, int | None]:
    """(output name, column of a 2-D output or None) holding the probability or the value."""
    outputs = session.get_outputs()
    if task == "binary":
        # A converted classifier has (label, probabilities[N, 2]); class 1 is column 1.
        named = [o for o in outputs if o.name == "probabilities"]
        out = named[0] if named else outputs[-1]
        return out.name, 1
    out = outputs[0]
    return out.name, (0 if len(out.shape) == 2 else None)


def onnx_predict(
    session: ort.InferenceSession, x: np.ndarray, name: str, column: int | None
) -> np.ndarray:
    (y,) = session.run([name], {ONNX_INPUT: x})
    return np.asarray(y)[:, column] if column is not None else np.asarray(y)


def check_onnx(
    session: ort.InferenceSession,
    x: np.ndarray,
    expected: np.ndarray,
    name: str,
    column: int | None,
    tolerance: float,
) -> float:
    got = onnx_predict(session, x, name, column)
    worst = float(np.max(np.abs(got.astype(np.float64) - expected.astype(np.float64))))
    if not worst <= tolerance:
        raise PipelineError(
            f"onnxruntime differs from XGBoost by {worst:.3g} (> {tolerance:g}) on golden rows; "
            "pin an XGBoost/onnxmltools pair that converts correctly"
        )
    return worst


def library_versions() -> dict[str, str]:
    names = ["xgboost", "scikit-learn", "onnxmltools", "onnx", "onnxruntime", "numpy", "pandas"]
    out = {}
    for n in names:
        try:
            out[n] = dist_version(n)
        except Exception:  # xgboost may be installed as xgboost-cpu
            out[n] = getattr(__import__(n.replace("-", "_")), "__version__", "unknown")
    out["python"] = platform.python_version()
    return out


def check_export_dir(d: Path) -> None:
    """A version folder is written into a new or empty directory, never over another one."""
    if d.exists() and (not d.is_dir() or any(d.iterdir())):
        raise PipelineError(f"export directory {d} is not empty")


def export(
    out_dir: str | Path,
    *,
    name: str,
    version: str,
    task: str,
    target: str,
    model: xgb.XGBModel,
    params: Mapping[str, Any],
    search: Mapping[str, Any] | None,
    metrics: Mapping[str, Any],
    preprocessor: Mapping[str, Any],
    golden_instances: Sequence[Mapping[str, Any]],
    baselines: Mapping[str, Any],
    explain_baseline: Mapping[str, Any],
    training_data: Mapping[str, Any],
    check_x: np.ndarray | None = None,
    score_baseline: Mapping[str, Any] | None = None,
    field_descriptions: Mapping[str, str] | None = None,
    cross_validation: Mapping[str, Any] | None = None,
    ranking: Mapping[str, Any] | None = None,
    calibration: Mapping[str, Any] | None = None,
    comparison: Mapping[str, Any] | None = None,
    calibrator: Mapping[str, Any] | None = None,
    training_rows: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the five files into `out_dir` (created, must be empty) and return the metadata;
    a sixth, calibration.json, when there is a `calibrator` table (calibrator.py), and
    training-rows.json when given the fingerprints of the training rows (training_rows.py).

    `check_x` (e.g. the whole held-out matrix) is compared ONNX-vs-XGBoost too, beyond the
    golden rows.
    """
    d = Path(out_dir)
    check_export_dir(d)
    d.mkdir(parents=True, exist_ok=True)
    n = int(preprocessor["n_outputs"])

    if calibrator is not None and task != "binary":
        raise PipelineError("internal: a calibrator is for binary models only")
    golden, x_golden = build_golden(
        model, preprocessor, golden_instances, task, version, calibrator
    )
    check_coverage(golden_instances, preprocessor)  # run.py checked before training too

    proto = to_onnx(model, n, name)
    (d / a.MODEL_ONNX).write_bytes(proto.SerializeToString())
    model.get_booster().save_model(d / a.XGBOOST_JSON)
    a.write_json(d / a.PREPROCESSOR_JSON, dict(preprocessor))
    a.write_json(d / a.GOLDEN_JSON, golden, indent=None)
    if calibrator is not None:
        a.write_json(d / a.CALIBRATION_JSON, dict(calibrator))
    if training_rows is not None:  # fingerprints for later comparisons (training_rows.py)
        a.write_json(d / a.TRAINING_ROWS_JSON, dict(training_rows), indent=None)

    # Check the bytes on disk, not the in-memory proto: that file is what gets served.
    session = ort.InferenceSession(str(d / a.MODEL_ONNX), providers=["CPUExecutionProvider"])
    out_name, out_col = onnx_output(session, task)
    # ONNX Runtime stands in for the trees: it is checked against their own predictions.
    expected = np.asarray(
        [r.get("raw_prediction", r["prediction"]) for r in golden["rows"]], dtype=np.float32
    )
    check_onnx(session, x_golden, expected, out_name, out_col, golden["tolerance"])
    if check_x is not None and len(check_x):
        check_onnx(
            session,
            check_x,
            model.get_booster().predict(xgb.DMatrix(check_x)),
            out_name,
            out_col,
            golden["tolerance"],
        )

    expected_value = float(golden["rows"][0]["contributions"][-1])
    metadata = {
        "format": METADATA_FORMAT,
        "name": name,
        "version": version,
        "task": task,
        "objective": OBJECTIVES[task],
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "target": target,
        "training_data": dict(training_data),
        "params": dict(params),
        "search": dict(search) if search else None,
        "metrics": dict(metrics),
        "primary_metric": primary_metric(task, dict(metrics)),
        # Added keys (older versions lack them): mean ± sd over folds, and the held-out
        # lift/capture/gains for a binary target; null when not computed.
        "cross_validation": dict(cross_validation) if cross_validation else None,
        "ranking": dict(ranking) if ranking else None,
        # Reliability, Brier and ECE on out-of-fold predictions (binary; null otherwise), and
        # its `calibrator`: the nested decision and its before/after figures.
        "calibration": dict(calibration) if calibration else None,
        # Candidate − production on the same rows, for the registry's promote-if-better; only
        # when a production version was compared (the registry's schema: absent, not null).
        **({"comparison": dict(comparison)} if comparison else {}),
        "schema": request_schema(preprocessor, field_descriptions),
        # Source column → request field, so a CRM integration knows what to send.
        "field_mapping": {f["source_column"]: f["name"] for f in preprocessor["fields"]},
        "baselines": dict(baselines),
        **({"score_baseline": dict(score_baseline)} if score_baseline is not None else {}),
        "explain_baseline": dict(explain_baseline),
        "expected_value": expected_value,
        "onnx": {
            "input": ONNX_INPUT,
            "output": out_name,
            "output_column": out_col,
            "n_features": n,
        },
        "libraries": library_versions(),
    }
    return a.write_metadata(d, metadata)
