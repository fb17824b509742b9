"""A calibrated version end to end: the pipeline writes calibration.json and a golden file of
calibrated predictions, and the service's own gate (the registry CLI's publish loads the version
exactly as the service does) accepts it, and refuses it once the table is tampered with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from pipeline import artifacts as a
from pipeline import calibrator as cal
from pipeline.config import RunConfig
from pipeline.errors import PipelineError
from pipeline.register import RegistryCli, publish
from pipeline.run import RunResult, run_pipeline

NAME = "calibrated"


@pytest.fixture(scope="module")
def calibrated_run(
    leads_csv: Path, run_config: RunConfig, tmp_path_factory: pytest.TempPathFactory
) -> RunResult:
    config = RunConfig(**{**run_config.__dict__, "calibration": "isotonic"})
    out = tmp_path_factory.mktemp("calibrated") / NAME
    return run_pipeline(str(leads_csv), config, name=NAME, out=out, log=lambda s: None)


def test_the_version_holds_the_table_and_calibrated_golden_rows(
    calibrated_run: RunResult,
) -> None:
    d = calibrated_run.version_dir
    assert d is not None
    metadata = a.verify_version_dir(d)
    assert a.CALIBRATION_JSON in metadata["files"]
    table = a.read_json(d / a.CALIBRATION_JSON)
    assert (table["format"], table["method"]) == (cal.CALIBRATION_FORMAT, "isotonic")
    chosen = metadata["calibration"]["calibrator"]
    assert (chosen["requested"], chosen["method"]) == ("isotonic", "isotonic")
    assert chosen["before"]["brier"] == metadata["calibration"]["brier"]
    assert set(chosen["held_out"]) == {"before", "after"}
    golden = a.read_json(d / a.GOLDEN_JSON)
    raw = np.asarray([r["raw_prediction"] for r in golden["rows"]])
    served = np.asarray([r["prediction"] for r in golden["rows"]])
    assert np.array_equal(served, cal.apply(table, raw))
    assert not np.array_equal(served, raw), "the calibrator changes the answers"
    # The drift baseline of the score is of the calibrated score: within the table's range.
    edges = metadata["score_baseline"]["bin_edges"]
    assert min(table["y"]) <= edges[0] and edges[-1] <= max(table["y"])


def test_the_service_gate_accepts_it_and_refuses_a_tampered_table(
    calibrated_run: RunResult, tmp_path: Path, cli_for_registry: RegistryCli
) -> None:
    source = calibrated_run.version_dir
    assert source is not None
    published = publish(source, tmp_path / "reg", NAME, cli=cli_for_registry)
    assert published.version == "1.0.0"
    assert (tmp_path / "reg" / NAME / "1.0.0" / a.CALIBRATION_JSON).read_bytes() == (
        source / a.CALIBRATION_JSON
    ).read_bytes()

    tampered = shutil.copytree(source, tmp_path / "tampered")
    table = a.read_json(tampered / a.CALIBRATION_JSON)
    table["y"] = [min(1.0, v + 0.05) for v in table["y"]]
    a.write_json(tampered / a.CALIBRATION_JSON, table)
    # Re-signed: the digests match, only the golden gate can tell.
    a.write_metadata(tampered, json.loads((tampered / a.METADATA_JSON).read_text()))
    with pytest.raises(PipelineError, match=r"golden check failed .*the calibrator maps"):
        publish(tampered, tmp_path / "reg", NAME, cli=cli_for_registry)
