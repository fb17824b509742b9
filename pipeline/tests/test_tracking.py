"""A CLI run that publishes, with MLFLOW_TRACKING_URI set, logs to MLflow under the version the
registry gave it; read it back with MlflowClient."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline import artifacts as a
from pipeline.register import RegistryCli
from pipeline.tests.conftest import LEAD_ARGS
from pipeline.tests.test_cli import cli


def test_run_publishes_and_logs_params_metrics_and_artifacts(
    leads_csv: Path, tmp_path: Path, cli_for_registry: RegistryCli
) -> None:
    uri = (tmp_path / "mlruns").as_uri()  # a local file store in a temp dir
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
    reg = tmp_path / "reg"
    args = ["run", "--data", str(leads_csv), "--name", "m", "--registry", str(reg), *LEAD_ARGS]
    result = cli(*args, "--promote-if-better", env=env)
    assert result.returncode == 0, result.stderr
    for stage in ("ingest", "preprocess", "train", "evaluate", "export", "register", "mlflow"):
        assert stage in result.stdout
    assert f"published m 1.0.0 to {reg / 'm' / '1.0.0'}; promoted 1.0.0 to production" in (
        result.stdout
    )
    assert f"done: {reg / 'm' / '1.0.0'} (roc_auc " in result.stdout
    metadata = a.read_json(reg / "m" / "1.0.0" / a.METADATA_JSON)

    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("m")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.data.params["n_estimators"] == "100"
    assert run.data.params["data.sha256"] == metadata["training_data"]["sha256"]
    assert run.data.metrics["roc_auc"] == metadata["metrics"]["roc_auc"]
    tn, fp = metadata["metrics"]["confusion_matrix"][0]
    assert run.data.metrics["tn"] == tn and run.data.metrics["fp"] == fp
    # The sales view and the fold metrics; the gains curve is one metric over 51 steps.
    held_out = metadata["ranking"]["held_out"]
    assert run.data.metrics["lift_at_10pct"] == held_out["lift_at_10pct"]
    folds = metadata["cross_validation"]["metrics"]["roc_auc"]
    assert run.data.metrics["cv.roc_auc.mean"] == folds["mean"]
    assert run.data.metrics["cv.roc_auc.sd"] == folds["sd"]
    assert run.data.metrics["calibration.ece"] == metadata["calibration"]["ece"]
    after = metadata["calibration"]["calibrator"]["after"]
    assert run.data.metrics.get("calibration.after.brier") == (after and after["brier"])
    gains = client.get_metric_history(run.info.run_id, "gains_capture")
    assert sorted(g.step for g in gains) == list(range(0, 101, 2))
    assert run.data.tags["model.version"] == "1.0.0"
    assert run.data.tags["mlflow.runName"] == "m-1.0.0"
    # The run existed before publishing: the version's lineage names it.
    assert metadata["lineage"]["training_run_id"] == run.info.run_id
    logged = {f.path for f in client.list_artifacts(run.info.run_id, "model")}
    assert logged == {f"model/{n}" for n in (*metadata["files"], a.METADATA_JSON)}
    assert set(a.PAYLOAD_FILES) <= set(metadata["files"])
