"""Another company's CRM export, end to end: train (no preset) → publish under the model's own
name → serve with the TypeScript service → /predict equals XGBoost on the golden rows, and
/explain adds up. Small data and few shallow trees: this runs in CI."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from pipeline import artifacts as a
from pipeline import calibrator
from pipeline.register import RegistryCli
from pipeline.tests.conftest import REPO
from pipeline.tests.foreign_data import DROP_FLAGS, foreign_rows, write_foreign_csv
from pipeline.tests.test_cli import cli
from pipeline.tests.test_gcs_output import free_port
from pipeline.transform import transform_instance

NAME = "acme-leads"
TRAIN_FLAGS = ("--n-estimators", "15", "--max-depth", "3", "--test-size", "0.4")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(the exported version folder, the run's stdout): 520 rows, ';' and Windows-1252."""
    d = tmp_path_factory.mktemp("acme")
    data = write_foreign_csv(d / "crm-export.csv", foreign_rows(520))
    args = ["run", "--data", str(data), "--target", "y", "--positive-class", "yes"]
    # --preset none said out loud (it is the default): once it failed for lack of a sentinel.
    args += ["--preset", "none"]
    done = cli(*args, *DROP_FLAGS, *TRAIN_FLAGS, "--name", NAME, "--out", str(d / "v"))
    assert done.returncode == 0, done.stderr
    return d / "v", done.stdout


def test_no_preset_trains_without_a_sentinel(run: tuple[Path, str]) -> None:
    version_dir, stdout = run
    assert "(csv, ';'-separated, cp1252)" in stdout
    assert "task binary (positive class 'yes')" in stdout
    pre = a.read_json(version_dir / a.PREPROCESSOR_JSON)
    assert pre["missing_values"] == [""]  # no "Select": the lead preset was not applied


def test_fields_keep_their_column_names_and_the_mapping_is_recorded(
    run: tuple[Path, str],
) -> None:
    version_dir, stdout = run
    metadata = a.read_json(version_dir / a.METADATA_JSON)
    mapping = {"home.owner": "home.owner", "stage": "stage", "visits": "visits", "city": "city"}
    assert metadata["field_mapping"] == mapping
    assert [f["name"] for f in metadata["schema"]["fields"]] == list(mapping)
    # No preset, no descriptions: the display name is the column as the CRM exported it.
    assert [f["display_name"] for f in metadata["schema"]["fields"]] == list(mapping)
    assert not any("description" in f for f in metadata["schema"]["fields"])
    printed = [line.split() for line in stdout.splitlines() if "→" in line]
    assert ["home.owner", "→", "(same)", "categorical"] in [p[:4] for p in printed]


def test_a_real_missing_category_is_not_a_null(run: tuple[Path, str]) -> None:
    version_dir, _ = run
    pre = a.read_json(version_dir / a.PREPROCESSOR_JSON)
    assert pre["format"] == "lead-scoring-preprocessor/v2"
    stage = next(f for f in pre["fields"] if f["name"] == "stage")
    assert stage["fill_value"] == "missing (2)"  # "missing" is taken by the data
    assert "missing" in stage["categories"]
    schema = a.read_json(version_dir / a.METADATA_JSON)["schema"]["fields"]
    assert next(f for f in schema if f["name"] == "stage")["categories"] == [
        "contacted",
        "missing",
        "new",
    ]  # the marker is not offered to clients as a category
    real = transform_instance(pre, {"stage": "missing"})
    null = transform_instance(pre, {"stage": None})
    assert real != null
    golden = a.read_json(version_dir / a.GOLDEN_JSON)
    assert any(r["instance"].get("stage") == "missing" for r in golden["rows"])


def test_the_golden_requirements_are_checked_before_training(tmp_path: Path) -> None:
    data = write_foreign_csv(tmp_path / "crm.csv", foreign_rows(80))
    args = ["run", "--data", str(data), "--target", "y", "--positive-class", "yes", *DROP_FLAGS]
    done = cli(*args, "--golden-rows", "3", "--name", NAME, "--out", str(tmp_path / "v"))
    assert done.returncode == 1 and "golden.json needs at least" in done.stderr, done.stderr
    assert "[3/6] train" not in done.stdout  # refused before any tree was grown


def test_strict_refuses_the_raw_export_before_training(tmp_path: Path) -> None:
    data = write_foreign_csv(tmp_path / "crm.csv", foreign_rows(80))
    args = ["run", "--data", str(data), "--target", "y", "--positive-class", "yes", "--strict"]
    done = cli(*args, "--name", NAME, "--out", str(tmp_path / "v"))
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("error: --strict: 4 data warning(s), first: column 'customer.id'")
    assert "warning: column 'deal_value' alone predicts the target" in done.stdout
    assert "[2/6]" not in done.stdout


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def served(
    run: tuple[Path, str], tmp_path: Path, cli_for_registry: RegistryCli
) -> Iterator[tuple[str, Path]]:
    """The version published (without --name: the registry takes it from metadata.json) and
    served by the service from this checkout; yields (base URL, published version folder)."""
    version_dir, _ = run
    reg = tmp_path / "reg"
    published = cli("register", str(version_dir), "--registry", str(reg))
    assert published.returncode == 0, published.stderr
    assert published.stdout.startswith(f"published {NAME} 1.0.0 to ")
    if cli_for_registry.argv[1:3] != ("--import", "tsx"):
        # An installed CLI has no server source next to it; CI runs from a checkout.
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the service cannot be started from {cli_for_registry}")
        pytest.skip(f"the service is not runnable from this checkout ({cli_for_registry})")
    port = free_port()
    server = subprocess.Popen(
        [cli_for_registry.argv[0], "--import", "tsx", str(REPO / "src" / "server.ts")],
        cwd=REPO,
        env={
            "PATH": os.environ.get("PATH", ""),
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "METRICS_PORT": str(free_port()),
            "MODEL_URI": str(reg / NAME / "1.0.0"),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the service did not become ready:\n{server.communicate()[0]}")
            time.sleep(0.1)
        yield base, reg / NAME / "1.0.0"
    finally:
        server.kill()
        server.communicate()


def test_served_predictions_equal_xgboost_and_explanations_add_up(
    served: tuple[str, Path],
) -> None:
    base, version_dir = served
    golden = a.read_json(version_dir / a.GOLDEN_JSON)
    pre = a.read_json(version_dir / a.PREPROCESSOR_JSON)
    instances = [r["instance"] for r in golden["rows"]]
    assert any("home.owner" in i for i in instances)  # dotted names go in as they are

    booster = xgb.Booster()
    booster.load_model(version_dir / a.XGBOOST_JSON)
    x = np.asarray([transform_instance(pre, i) for i in instances], dtype=np.float32)
    expected = booster.predict(xgb.DMatrix(x))
    if (version_dir / a.CALIBRATION_JSON).is_file():  # the service answers calibrated
        expected = calibrator.apply(a.read_json(version_dir / a.CALIBRATION_JSON), expected)
    answer = _post(f"{base}/predict", {"instances": instances})
    assert answer["model"] == NAME and answer["modelVersion"] == "1.0.0"
    got = np.asarray(answer["predictions"], dtype=np.float64)
    assert np.max(np.abs(got - expected)) <= golden["tolerance"]

    explained = _post(f"{base}/explain", {"instances": instances[:25]})
    margins = booster.predict(xgb.DMatrix(x[:25]), output_margin=True)
    for i, e in enumerate(explained["explanations"]):
        (attribution,) = e["attributions"]
        total = attribution["baselineOutputValue"] + sum(
            attribution["featureAttributions"].values()
        )
        assert total == pytest.approx(attribution["instanceOutputValue"], abs=1e-4)
        assert attribution["instanceOutputValue"] == pytest.approx(float(margins[i]), abs=1e-4)
        assert set(attribution["featureAttributions"]) == {"home.owner", "stage", "visits", "city"}
