"""The KFP v2 pipeline compiles, and its DAG runs the five stages in order."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from pipeline.artifacts import verify_version_dir
from pipeline.kfp_pipeline import STAGES, build_pipeline
from pipeline.run import RunResult
from pipeline.tests.conftest import REPO
from pipeline.tests.test_cli import cli
from pipeline.tests.test_export import check_version_dir


def test_compiled_dag_wires_the_five_stages_in_order(tmp_path: Path) -> None:
    out = tmp_path / "pipeline.yaml"
    result = cli("compile-kfp", str(out), "--image", "example.org/lead-scoring-pipeline:test")
    assert result.returncode == 0, result.stderr
    spec = yaml.safe_load(out.read_text())
    tasks = spec["root"]["dag"]["tasks"]
    by_stage = {t["taskInfo"]["name"]: key for key, t in tasks.items()}
    assert sorted(by_stage) == sorted(STAGES)
    for before, after in itertools.pairwise(STAGES):
        assert by_stage[before] in tasks[by_stage[after]].get("dependentTasks", []), after
    assert "dependentTasks" not in tasks[by_stage["ingest"]]

    # Artifacts, not files on a shared disk, carry the data between steps.
    export_inputs = tasks[by_stage["export"]]["inputs"]["artifacts"]
    assert export_inputs["model"]["taskOutputArtifact"]["producerTask"] == by_stage["train"]
    assert export_inputs["evaluation"]["taskOutputArtifact"]["producerTask"] == by_stage["evaluate"]

    for executor in spec["deploymentSpec"]["executors"].values():
        container = executor["container"]
        assert container["image"] == "example.org/lead-scoring-pipeline:test"
        assert "from pipeline." in container["command"][-1]  # calls this package's stages


def test_components_run_locally_and_export_the_same_model(
    leads_csv: Path,
    synthetic_run: RunResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """kfp.local runs each component in a subprocess, passing real artifacts between them."""
    from kfp import local

    # The components import this package, as they would from the image's PYTHONPATH.
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path))
    build_pipeline()(data=str(leads_csv), name="synthetic")
    (version_dir,) = tmp_path.glob("*/export-op/version_dir")
    metadata = verify_version_dir(version_dir)
    check_version_dir(version_dir)
    # Same data, same seed: the distributed run trains exactly the in-process model.
    assert metadata["metrics"] == synthetic_run.metadata["metrics"]
    assert metadata["files"]["model.onnx"] == synthetic_run.metadata["files"]["model.onnx"]
