"""The version directory: ONNX proven against XGBoost, golden rows, metadata per the contract."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from pipeline import artifacts as a
from pipeline import calibrator
from pipeline import export as export_module
from pipeline.config import UNPUBLISHED_VERSION, RunConfig
from pipeline.errors import PipelineError
from pipeline.golden import UNSEEN_CATEGORY, describe_coverage
from pipeline.run import RunResult, run_pipeline
from pipeline.tests.conftest import HEADER, REPO, synthetic_rows, write_csv
from pipeline.transform import transform_instance

MODELS = REPO / "models" / "lead-scoring"
# The first committed version: the stress fixtures' model, kept so that it keeps loading.
FIRST = MODELS / "1.0.0"


def _semver(d: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in d.name.split("."))


# The built-in model the service serves: the highest complete version (the registry's rule).
COMMITTED = max((d for d in MODELS.iterdir() if (d / a.METADATA_JSON).is_file()), key=_semver)


def load(d: Path) -> tuple[dict, dict, dict]:
    return (
        a.read_json(d / a.METADATA_JSON),
        a.read_json(d / a.GOLDEN_JSON),
        a.read_json(d / a.PREPROCESSOR_JSON),
    )


def check_version_dir(d: Path) -> None:
    """Everything a serving runtime relies on; applied to a fresh and to the committed model."""
    metadata = a.verify_version_dir(d)
    _, golden, pre = load(d)
    proto = onnx.load(str(d / a.MODEL_ONNX))
    onnx.checker.check_model(proto, full_check=True)
    (inp,) = proto.graph.input
    dims = inp.type.tensor_type.shape.dim
    assert inp.name == metadata["onnx"]["input"] == "input"
    assert inp.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert not dims[0].dim_value and dims[1].dim_value == pre["n_outputs"]

    rows = golden["rows"]
    assert len(rows) >= 200 and golden["columns"] == pre["output_columns"]
    x = np.asarray([r["features"] for r in rows], dtype=np.float32)
    for r in rows:  # features are exactly the JSON transform of the stored instance
        assert transform_instance(pre, r["instance"]) == r["features"]
    session = ort.InferenceSession(str(d / a.MODEL_ONNX), providers=["CPUExecutionProvider"])
    (out,) = session.run([metadata["onnx"]["output"]], {"input": x})
    col = metadata["onnx"]["output_column"]
    got = out[:, col] if col is not None else out
    # ONNX stands in for the trees: their own prediction, before any calibrator.
    want = np.asarray([r.get("raw_prediction", r["prediction"]) for r in rows])
    assert np.max(np.abs(got - want)) <= golden["tolerance"] <= 1e-5 * max(1, np.abs(want).max())
    if a.CALIBRATION_JSON in metadata["files"]:  # what the service answers: calibrated
        table = a.read_json(d / a.CALIBRATION_JSON)
        served = np.asarray([r["prediction"] for r in rows])
        assert np.array_equal(served, calibrator.apply(table, want))
    else:
        assert all("raw_prediction" not in r for r in rows)

    for r in rows:
        assert len(r["contributions"]) == pre["n_outputs"] + 1
        assert math.isclose(sum(r["contributions"]), r["margin"], abs_tol=1e-4)
        assert r["contributions"][-1] == metadata["expected_value"]
        if metadata["task"] == "binary":
            # The trees' probability; `prediction` is calibrated when the version has a calibrator.
            trees = r.get("raw_prediction", r["prediction"])
            assert math.isclose(1 / (1 + math.exp(-r["margin"])), trees, abs_tol=1e-6)
    coverage = describe_coverage([r["instance"] for r in rows], pre)
    assert all(coverage.values()), coverage
    assert golden["model_version"] == metadata["version"]


def test_synthetic_version_directory(synthetic_run: RunResult) -> None:
    d = synthetic_run.version_dir
    assert d is not None and synthetic_run.published is None
    assert synthetic_run.metadata["version"] == UNPUBLISHED_VERSION  # the registry numbers it
    # calibration.json exactly when the nested rule adopted a calibrator.
    calibrated = synthetic_run.metadata["calibration"]["calibrator"]["method"] is not None
    # training-rows.json always from a run (it has its training rows).
    optional = [a.TRAINING_ROWS_JSON, *([a.CALIBRATION_JSON] if calibrated else [])]
    assert sorted(p.name for p in d.iterdir()) == sorted(
        [*a.PAYLOAD_FILES, *optional, a.METADATA_JSON]
    )
    check_version_dir(d)


def test_metadata_follows_the_contract(synthetic_run: RunResult) -> None:
    metadata, golden, pre = load(synthetic_run.version_dir)
    for key in [
        "format", "name", "version", "task", "objective", "created_at", "target",
        "training_data", "params", "metrics", "primary_metric", "schema", "baselines",
        "explain_baseline", "expected_value", "onnx", "libraries", "files",
    ]:  # fmt: skip
        assert key in metadata, key
    assert metadata["format"] == "lead-scoring-model/v1" and metadata["name"] == "synthetic"
    assert metadata["onnx"] == {
        "input": "input",
        "output": "probabilities",
        "output_column": 1,
        "n_features": pre["n_outputs"],
    }
    assert metadata["primary_metric"]["name"] == "roc_auc"
    assert metadata["primary_metric"]["value"] == metadata["metrics"]["roc_auc"] > 0.7
    assert metadata["training_data"]["rows"] == 1200
    names = [f["name"] for f in pre["fields"]]
    assert [f["name"] for f in metadata["schema"]["fields"]] == names
    assert set(metadata["baselines"]) == set(metadata["explain_baseline"]) == set(names)
    for name, b in metadata["baselines"].items():
        freqs = b["frequencies"] if b["type"] == "numeric" else list(b["frequencies"].values())
        assert math.isclose(sum(freqs), 1.0), name
        if b["type"] == "numeric":
            assert len(b["bin_edges"]) == len(b["frequencies"]) + 1
            assert b["bin_edges"] == sorted(b["bin_edges"])
        else:
            assert "missing" in b["frequencies"]
    assert metadata["baselines"]["city"]["frequencies"]["missing"] > 0.2  # "Select" and ""
    score = metadata["score_baseline"]  # the held-out predictions' histogram
    assert score["type"] == "numeric" and score["missing_fraction"] == 0.0
    assert math.isclose(sum(score["frequencies"]), 1.0)
    assert 0.0 <= score["bin_edges"][0] < score["bin_edges"][-1] <= 1.0
    # Added keys: fold metrics (5 folds × 2 repeats of the training part) and the sales view.
    cv = metadata["cross_validation"]
    assert (cv["folds"], cv["repeats"]) == (5, 2)
    assert cv["rows"] == metadata["training_data"]["train_rows"]
    assert len(cv["metrics"]["roc_auc"]["folds"]) == 10
    assert metadata["ranking"]["held_out"]["lift_at_10pct"] > 1.0
    assert len(metadata["ranking"]["gains_curve"]["capture"]) == 51
    calibration = metadata["calibration"]  # on each training row's out-of-fold prediction
    assert calibration["rows"] == cv["rows"] and len(calibration["reliability"]) == 10
    assert sum(b["rows"] for b in calibration["reliability"]) == cv["rows"]
    assert golden["output"] == "probability" and golden["tolerance"] == 1e-5
    assert any(r["instance"].get("lead_origin") == UNSEEN_CATEGORY for r in golden["rows"])


def test_tampering_is_detected(synthetic_run: RunResult, tmp_path: Path) -> None:
    copy = tmp_path / "v"
    shutil.copytree(synthetic_run.version_dir, copy)
    with open(copy / a.XGBOOST_JSON, "a") as f:
        f.write(" ")
    with pytest.raises(PipelineError, match=r"xgboost\.json does not match"):
        a.verify_version_dir(copy)
    (copy / a.METADATA_JSON).unlink()
    with pytest.raises(PipelineError, match="not a complete version"):
        a.verify_version_dir(copy)


def test_export_fails_when_onnx_disagrees(
    leads_csv: Path, run_config: RunConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = export_module.onnx_predict
    monkeypatch.setattr(export_module, "onnx_predict", lambda *args: real(*args) + np.float32(1e-3))
    with pytest.raises(PipelineError, match="onnxruntime differs from XGBoost"):
        run_pipeline(str(leads_csv), run_config, name="m", out=tmp_path / "v", log=lambda s: None)
    assert not (tmp_path / "v" / a.METADATA_JSON).exists()  # never mistaken for a complete version


def test_regression_model_exports_a_value(tmp_path: Path, run_config: RunConfig) -> None:
    csv = write_csv(tmp_path / "r.csv", HEADER, synthetic_rows(1100, seed=3, target="value"))
    result = run_pipeline(str(csv), run_config, name="reg", out=tmp_path / "v", log=lambda s: None)
    assert result.version_dir is not None
    metadata, golden, _ = load(result.version_dir)
    assert metadata["task"] == "regression" and metadata["objective"] == "reg:squarederror"
    assert metadata["primary_metric"] == {
        "name": "rmse",
        "value": metadata["metrics"]["rmse"],
        "higher_is_better": False,
    }
    assert metadata["onnx"]["output_column"] == 0 and golden["output"] == "value"
    check_version_dir(result.version_dir)


@pytest.mark.parametrize("committed", [FIRST, COMMITTED], ids=["first", "default"])
def test_committed_default_model(committed: Path) -> None:
    """The committed models/lead-scoring versions (1.0.0 and the default, the highest) are
    complete, valid and self-consistent."""
    assert committed.is_dir(), f"{committed} is missing: train it (see pipeline/README.md)"
    check_version_dir(committed)
    metadata = a.read_json(committed / a.METADATA_JSON)
    assert metadata["version"] == committed.name and metadata["name"] == "lead-scoring"
    assert len(metadata["schema"]["fields"]) == 25
    assert metadata["metrics"]["roc_auc"] > 0.85
