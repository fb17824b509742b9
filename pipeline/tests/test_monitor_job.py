"""`lead-scoring monitor` end to end, where this venv (scikit-learn, mlflow) and the real data are:

- the real held-out set, scored by the service (PREDICTION_LOG=stdout: its own records), its
  true outcomes posted to /feedback: the job finds no drift and the training ROC-AUC; a copy
  with a numeric field moved up and a categorical field's mix changed: the job flags drift on
  exactly those two fields and exits 3;
- MLflow: the job logs to a real tracking server (`mlflow server`, sqlite) and MlflowClient
  reads the run back.

Needs node with this checkout's node_modules (like the registry CLI) and, for the first,
../shared/datasets/leads-x-education.csv; each skips visibly without them, except in CI
(CI=true), where their absence is a failure. With UPDATE_FIXTURES=1 the shifted run's HTML
report is copied to docs/monitoring-report-example.html.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pipeline.config import DEFAULTS, LEAD_PRESET, PRESETS
from pipeline.ingest import ingest
from pipeline.preprocess import preprocess
from pipeline.register import RegistryCli
from pipeline.tests.conftest import REPO
from pipeline.tests.test_export import COMMITTED
from pipeline.tests.test_reproduce import DATA

# The built-in model the service serves (the highest committed version) and its number.
VERSION = COMMITTED.name
EXAMPLE_REPORT = REPO / "docs" / "monitoring-report-example.html"
SHIFTED_FIELDS = ["lead_origin", "total_time_spent_on_website"]
LOG_LABEL = "logging.googleapis.com/labels"
MLFLOW = Path(sys.executable).parent / "mlflow"  # this venv's


def unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {seconds} s")
        time.sleep(0.25)


def post(base: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base}{path}",
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def monitor(cli: RegistryCli, *args: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [*cli.argv, "monitor", *args],
        cwd=cli.cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def registry_copy(tmp: Path) -> Path:
    registry = tmp / "registry"
    shutil.copytree(COMMITTED, registry / "lead-scoring" / VERSION)
    return registry


def write_log(root: Path, records: list[dict[str, Any]]) -> None:
    """Records in the GCS sink's layout (one object per partition)."""
    objects: dict[Path, list[str]] = {}
    for r in records:
        date = r["time"][:10]
        part = (
            f"predictions/date={date}/model={r['model']}/version={r['model_version']}"
            if r["kind"] == "prediction"
            else f"outcomes/date={date}"
        )
        objects.setdefault(root / part / "test-000001.ndjson", []).append(json.dumps(r))
    for path, lines in objects.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def held_out() -> tuple[list[dict[str, Any]], np.ndarray]:
    if not DATA.is_file():
        unavailable(f"the lead data is absent: {DATA} (../shared is not part of the repo)")
    data = ingest(str(DATA), PRESETS[LEAD_PRESET])
    prep = preprocess(data, DEFAULTS.test_size, DEFAULTS.train.seed)
    return prep.test_instances, prep.y_test.astype(int)


def shifted(instances: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Time on the website moved up by 2500 s; two leads in three now from a Lead Add Form."""
    out = []
    for i, instance in enumerate(instances):
        seconds = instance["total_time_spent_on_website"]
        out.append(
            {
                **instance,
                "total_time_spent_on_website": None if seconds is None else seconds + 2500,
                "lead_origin": "Lead Add Form" if i % 3 else instance["lead_origin"],
            }
        )
    return out


@pytest.fixture(scope="module")
def service_records(
    held_out: tuple[list[dict[str, Any]], np.ndarray], cli_for_registry: RegistryCli
) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """The held-out set and its shifted copy scored by the service, the outcomes posted to
    /feedback, and the service's own prediction-log records (stdout sink), by lead-id prefix."""
    if cli_for_registry.cwd is None:
        unavailable("the service runs from a checkout here (node --import tsx src/server.ts)")
    instances, labels = held_out
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "METRICS_PORT": "0",
        "DRAIN_SECONDS": "0",
        "LOG_LEVEL": "warn",
        "PREDICTION_LOG": "stdout",
    }
    node = cli_for_registry.argv[:-1]  # node --import tsx
    service = subprocess.Popen(
        [*node, str(REPO / "src" / "server.ts")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health", 60)
        for prefix, rows in (("H", instances), ("S", shifted(instances))):
            for start in range(0, len(rows), 500):
                batch = [
                    {**row, "lead_id": f"{prefix}-{start + i}"}
                    for i, row in enumerate(rows[start : start + 500])
                ]
                scored = post(base, "/predict", {"instances": batch})
                assert len(scored["predictions"]) == len(batch)
            outcomes = [
                {
                    "lead_id": f"{prefix}-{i}",
                    "converted": bool(y),
                    "observed_at": "2026-11-30T00:00:00Z",
                }
                for i, y in enumerate(labels)
            ]
            for start in range(0, len(outcomes), 500):
                post(base, "/feedback", {"outcomes": outcomes[start : start + 500]})
        service.send_signal(signal.SIGTERM)
        out, _ = service.communicate(timeout=60)
    finally:
        service.kill()
    records: dict[str, list[dict[str, Any]]] = {"H": [], "S": []}
    for line in out.splitlines():
        entry = json.loads(line) if line.startswith("{") else {}
        if "lead_scoring_log" not in entry.get(LOG_LABEL, {}):
            continue
        record = {k: v for k, v in entry.items() if k not in ("severity", "message", LOG_LABEL)}
        records[record["lead_id"][0]].append(record)
    assert len(records["H"]) == len(records["S"]) == 2 * len(instances)
    yield records


def run_job(cli: RegistryCli, tmp: Path, records: list[dict[str, Any]], *extra: str):
    write_log(tmp / "log", records)
    registry = registry_copy(tmp)
    window = ("--since", "2h", "--json")
    result = monitor(cli, "--log", str(tmp / "log"), "--registry", str(registry), *window, *extra)
    assert result.returncode in (0, 3), result.stderr
    return result, json.loads(result.stdout), registry


def test_held_out_set_as_served_has_no_drift_and_the_training_auc(
    service_records: dict[str, list[dict[str, Any]]],
    held_out: tuple[list[dict[str, Any]], np.ndarray],
    cli_for_registry: RegistryCli,
    tmp_path: Path,
) -> None:
    result, report, _ = run_job(cli_for_registry, tmp_path, service_records["H"])
    (version,) = report["versions"]
    assert report["join"]["joined"] == len(held_out[0])
    assert [f["field"] for f in version["drift"]["fields"] if f["alerting"]] == []
    committed = json.loads((COMMITTED / "metadata.json").read_text())["metrics"]
    # The served ONNX scores are float32: the ROC-AUC matches training to ~1e-4, not exactly.
    assert version["quality"]["roc_auc"]["value"] == pytest.approx(committed["roc_auc"], abs=2e-3)
    assert result.returncode == 0, version["alerts"]


def test_shifted_held_out_set_flags_exactly_the_shifted_fields(
    service_records: dict[str, list[dict[str, Any]]], cli_for_registry: RegistryCli, tmp_path: Path
) -> None:
    result, report, registry = run_job(cli_for_registry, tmp_path, service_records["S"])
    (version,) = report["versions"]
    alerting = sorted(f["field"] for f in version["drift"]["fields"] if f["alerting"])
    assert alerting == SHIFTED_FIELDS
    assert result.returncode == 3
    latest = json.loads((registry / "lead-scoring" / "monitoring" / "latest.json").read_text())
    assert latest["status"] == "alert"
    assert sorted(f for f, v in latest["versions"][0]["drift"].items() if v["alerting"]) == (
        SHIFTED_FIELDS
    )
    if os.environ.get("UPDATE_FIXTURES") == "1":
        shutil.copy(registry / "lead-scoring" / latest["report"]["html"], EXAMPLE_REPORT)


@pytest.fixture
def mlflow_server(tmp_path: Path) -> Iterator[str]:
    if not MLFLOW.is_file():
        unavailable(f"mlflow is not installed in this environment ({MLFLOW})")
    port = free_port()
    server = subprocess.Popen(
        [
            *(str(MLFLOW), "server", "--backend-store-uri", f"sqlite:///{tmp_path / 'mlflow.db'}"),
            *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/health", 120)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_job_logs_its_metrics_to_a_real_mlflow_server(
    mlflow_server: str, cli_for_registry: RegistryCli, tmp_path: Path
) -> None:
    rng = np.random.default_rng(3)
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 60))
    labels = rng.random(400) < 0.4
    scores = np.clip(0.35 + 0.3 * labels + rng.normal(0, 0.2, 400), 0, 1)
    records: list[dict[str, Any]] = []
    for i, (y, s) in enumerate(zip(labels, scores, strict=True)):
        common = {"time": now, "request_id": None, "lead_id": f"M-{i}"}
        records.append(
            {**common, "kind": "prediction", "model": "lead-scoring", "model_version": VERSION}
            | {"score": float(s), "label": None, "threshold": None, "fields": None}
        )
        records.append(
            {**common, "kind": "outcome", "converted": bool(y), "observed_at": now}
            | {"model_version": None}
        )
    write_log(tmp_path / "log", records)
    registry = registry_copy(tmp_path)
    run = monitor(
        cli_for_registry,
        *("--log", str(tmp_path / "log"), "--registry", str(registry), "--since", "1h", "--json"),
        env={"MLFLOW_TRACKING_URI": mlflow_server},
    )
    assert run.returncode in (0, 3), run.stderr
    assert "logged to MLflow: run " in run.stderr
    report = json.loads(run.stdout)
    (version,) = report["versions"]

    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=mlflow_server)
    experiment = client.get_experiment_by_name("lead-scoring")
    (logged,) = client.search_runs([experiment.experiment_id])
    assert logged.info.status == "FINISHED"
    assert logged.info.run_name == f"monitor-{report['window']['name']}"
    assert logged.data.tags["model.version"] == VERSION
    assert logged.data.tags["window.start"] == report["window"]["start"]
    assert logged.data.tags["monitoring.status"] == report["status"]
    for metric in ("roc_auc", "pr_auc", "log_loss", "brier", "f1"):
        assert logged.data.metrics[f"{VERSION}.{metric}"] == version["quality"][metric]["value"]
    assert logged.data.metrics[f"{VERSION}.outcomes_joined"] == 400
