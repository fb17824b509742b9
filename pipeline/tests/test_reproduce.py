"""Re-run the pipeline on the real lead data and compare with the committed default model
(the highest version under models/lead-scoring: test_export.COMMITTED).

Needs ../shared/datasets/leads-x-education.csv (not in the repository). Skips visibly when
it is absent, except in CI (CI=true), where an absent file is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline import artifacts as a
from pipeline.config import DEFAULTS, LEAD_PRESET, PRESETS, RunConfig
from pipeline.run import run_pipeline
from pipeline.tests.conftest import REPO
from pipeline.tests.test_export import COMMITTED

DATA = REPO.parent / "shared" / "datasets" / "leads-x-education.csv"
TOLERANCE = 1e-6


def test_committed_model_is_reproduced_from_shared_data(tmp_path: Path) -> None:
    if not DATA.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the lead data is absent: {DATA}")
        pytest.skip(f"lead data not available at {DATA} (../shared is not part of the repo)")
    committed = a.read_json(COMMITTED / a.METADATA_JSON)
    result = run_pipeline(
        str(DATA),
        RunConfig(data=PRESETS[LEAD_PRESET], train=DEFAULTS.train),
        name="lead-scoring",
        out=tmp_path / "lead-scoring",
        log=lambda s: None,
    )
    assert result.version_dir is not None
    fresh = result.metadata
    # Same file, same split; a run now also records the dialect it read the file in.
    dialect = {"format": "csv", "delimiter": ",", "encoding": "utf-8-sig"}
    assert fresh["training_data"] == {**committed["training_data"], **dialect}
    assert fresh["params"] == committed["params"]
    # Format v2 lists only what a client can send: the missing marker is no category any more.
    # A run now also names each field for people: its source column and the preset's line.
    source_of = {name: column for column, name in fresh["field_mapping"].items()}
    assert source_of == {f["name"]: f["display_name"] for f in fresh["schema"]["fields"]}, (
        "display_name is the source column"
    )
    assert all(f["description"] for f in fresh["schema"]["fields"]), "the preset describes each"

    def for_machines(fields: list[dict]) -> list[dict]:
        return [
            {k: v for k, v in f.items() if k not in ("display_name", "description")} for f in fields
        ]

    assert for_machines(fresh["schema"]["fields"]) == [
        {**f, "categories": [c for c in f["categories"] if c != "missing"]}
        if "categories" in f
        else f
        for f in for_machines(committed["schema"]["fields"])
    ]
    for name, value in committed["metrics"].items():
        if isinstance(value, float):
            assert fresh["metrics"][name] == pytest.approx(value, abs=TOLERANCE), name
        else:
            assert fresh["metrics"][name] == value, name
    assert fresh["expected_value"] == pytest.approx(committed["expected_value"], abs=TOLERANCE)
    # The calibrator: the same decision on the same out-of-fold predictions, the same figures,
    # and the same table (byte for byte) when there is one.
    chosen, was = fresh["calibration"]["calibrator"], committed["calibration"]["calibrator"]
    assert chosen["method"] == was["method"], chosen["reason"]
    assert chosen["after"] == was["after"] or chosen["after"]["brier"] == pytest.approx(
        was["after"]["brier"], abs=TOLERANCE
    )
    assert fresh["calibration"]["brier"] == pytest.approx(
        committed["calibration"]["brier"], abs=TOLERANCE
    )
    assert fresh["files"].get(a.CALIBRATION_JSON) == committed["files"].get(a.CALIBRATION_JSON)
    # A retrain writes format v2 (the first committed version, 1.0.0, is v1 with the same
    # numbers: the data has no real category "missing", so the marker stays "missing").
    assert a.read_json(result.version_dir / a.PREPROCESSOR_JSON) == {
        **a.read_json(COMMITTED / a.PREPROCESSOR_JSON),
        "format": "lead-scoring-preprocessor/v2",
    }
    # The same trees: model.onnx byte for byte; and the same training rows.
    assert fresh["files"][a.MODEL_ONNX] == committed["files"][a.MODEL_ONNX]
    assert fresh["files"][a.TRAINING_ROWS_JSON] == committed["files"][a.TRAINING_ROWS_JSON]
