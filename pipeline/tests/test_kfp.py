"""The KFP v2 pipeline compiles, its DAG runs the stages in order and ends with a register step
that runs the service's registry CLI; the components run locally and that step's command runs
against a real registry."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from pipeline.artifacts import METADATA_JSON, read_json, verify_version_dir
from pipeline.config import DEFAULTS, LEAD_PRESET, UNPUBLISHED_VERSION
from pipeline.kfp_pipeline import (
    STAGES,
    build_pipeline,
    evaluate_op,
    export_op,
    ingest_op,
    preprocess_op,
    train_op,
)
from pipeline.register import CLI_ENV, RegistryCli
from pipeline.run import RunResult
from pipeline.tests.conftest import HEADER, REPO, rival_registry_cli, synthetic_rows, write_csv
from pipeline.tests.test_cli import cli
from pipeline.tests.test_export import check_version_dir
from pipeline.tests.test_promotion_beyond_noise import noisy

IMAGE = "example.org/lead-scoring-pipeline:test"
SERVICE_IMAGE = "example.org/lead-scoring:test"


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("kfp") / "pipeline.yaml"
    result = cli("compile-kfp", str(out), "--image", IMAGE, "--service-image", SERVICE_IMAGE)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(out.read_text())


def all_tasks(spec: dict) -> dict[str, dict]:
    """Every task by display name, from the root DAG and the condition's sub-DAG."""
    dags = [spec["root"]["dag"], *(c["dag"] for c in spec["components"].values() if "dag" in c)]
    return {t["taskInfo"]["name"]: t for dag in dags for t in dag["tasks"].values()}


def register_executor(spec: dict) -> dict:
    return spec["deploymentSpec"]["executors"]["exec-register-op"]["container"]


def test_compiled_dag_wires_the_stages_in_order(spec: dict) -> None:
    tasks = spec["root"]["dag"]["tasks"]
    by_stage = {t["taskInfo"]["name"]: key for key, t in tasks.items()}
    assert sorted(by_stage) == sorted([*STAGES[:-1], "publish"])
    for before, after in itertools.pairwise(STAGES[:-1]):
        assert by_stage[before] in tasks[by_stage[after]].get("dependentTasks", []), after
    assert "dependentTasks" not in tasks[by_stage["ingest"]]

    # Artifacts, not files on a shared disk, carry the data between steps.
    export_inputs = tasks[by_stage["export"]]["inputs"]["artifacts"]
    assert export_inputs["model"]["taskOutputArtifact"]["producerTask"] == by_stage["train"]
    assert export_inputs["evaluation"]["taskOutputArtifact"]["producerTask"] == by_stage["evaluate"]

    for key, executor in spec["deploymentSpec"]["executors"].items():
        if key != "exec-register-op":
            assert executor["container"]["image"] == IMAGE
            assert "from pipeline." in executor["container"]["command"][-1]  # this package's

    # No version anywhere: the registry numbers it.
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    assert "version" not in parameters
    assert "version" not in spec["components"]["comp-export-op"]["inputDefinitions"]["parameters"]


def test_register_step_publishes_the_export_with_the_service_cli(spec: dict) -> None:
    publish = spec["root"]["dag"]["tasks"]["condition-1"]
    assert publish["taskInfo"]["name"] == "publish"
    assert publish["triggerPolicy"]["condition"] == (
        "inputs.parameter_values['pipelinechannel--registry'] != ''"
    )
    version_dir = publish["inputs"]["artifacts"]["pipelinechannel--export-op-version_dir"]
    assert version_dir["taskOutputArtifact"] == {
        "outputArtifactKey": "version_dir",
        "producerTask": "export-op",
    }
    register = all_tasks(spec)["register"]
    assert register["cachingOptions"].get("enableCache", False) is False
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    assert parameters["service_image"]["defaultValue"] == SERVICE_IMAGE
    assert parameters["registry"]["defaultValue"] == ""
    assert parameters["promote_if_better"]["defaultValue"] is False

    container = register_executor(spec)
    assert container["image"] == "{{$.inputs.parameters['pipelinechannel--service_image']}}"
    sh, dash_c, script, name = container["command"]
    assert (sh, dash_c, name) == ("sh", "-c", "register")
    assert "${LEAD_SCORING_CLI:-node /app/dist/src/cli/main.js} registry publish" in script
    assert container["args"] == [
        "{{$.outputs.parameters['outcome'].output_file}}",
        "{{$.inputs.parameters['promote_if_better']}}",
        "{{$.inputs.parameters['major']}}",
        "{{$.inputs.parameters['alias']}}",
        "{{$.inputs.artifacts['version_dir'].path}}",
        "--registry",
        "{{$.inputs.parameters['registry']}}",
        "--model",
        "{{$.inputs.parameters['name']}}",
        "--run-id",
        "{{$.pipeline_job_name}}",
    ]


PLACEHOLDER = re.compile(
    r"\{\{\$\.(?:(?:inputs|outputs)\.(?:parameters|artifacts)\['(\w+)'\][^}]*|(pipeline_job_name))\}\}"
)


def register_step(
    spec: dict,
    cli: RegistryCli,
    outputs: Path,
    version_dir: Path,
    registry: Path,
    name: str,
    promote: str,
    alias: str = "",
    env: dict[str, str] | None = None,
) -> tuple[int, str, str]:
    """The compiled register command, placeholders filled in as the KFP launcher would, with
    the checkout's CLI standing in for the service image's: (exit code, outcome, stderr)."""
    container = register_executor(spec)
    values = {
        "outcome": str(outputs / "outcome"),
        "promote_if_better": promote,  # as the launcher renders a boolean
        "major": "false",
        "alias": alias,
        "version_dir": str(version_dir),
        "registry": str(registry),
        "name": name,
        "pipeline_job_name": "training-pipeline-20261201180000",
    }
    argv = [PLACEHOLDER.sub(lambda m: values[m[1] or m[2]], a) for a in container["args"]]
    done = subprocess.run(
        [*container["command"], *argv],
        cwd=cli.cwd,
        env={"PATH": os.environ["PATH"], CLI_ENV: str(cli), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, Path(values["outcome"]).read_text(), done.stderr


def test_register_step_runs_against_a_real_registry(
    spec: dict, synthetic_run: RunResult, tmp_path: Path, cli_for_registry: RegistryCli
) -> None:
    reg = tmp_path / "reg"

    def step(version_dir: Path, promote: str, alias: str = "") -> tuple[int, str, str]:
        outputs = tmp_path / "outputs"
        return register_step(
            spec, cli_for_registry, outputs, version_dir, reg, "synthetic", promote, alias
        )

    assert synthetic_run.version_dir is not None
    code, outcome, stderr = step(synthetic_run.version_dir, "true")
    assert code == 0 and "promoted 1.0.0 to production" in outcome, stderr
    lineage = read_json(reg / "synthetic" / "1.0.0" / METADATA_JSON)["lineage"]
    assert lineage["training_run_id"] == "training-pipeline-20261201180000"
    code, outcome, stderr = step(synthetic_run.version_dir, "True")  # equal: kept, not a failure
    assert code == 0 and "published synthetic 1.0.1" in outcome, stderr
    assert "kept production at 1.0.0" in outcome
    code, outcome, stderr = step(synthetic_run.version_dir, "false", alias="staging")
    assert code == 0 and outcome.strip().endswith("/1.0.2"), stderr  # no promotion asked
    code, outcome, stderr = step(tmp_path / "missing", "false")
    assert code == 1 and "metadata.json" in stderr

    # Another operator promotes 1.0.1 while the step decides: exit 4, a result, not a failure
    # (test/support/rival-promotion.ts preloaded into the real CLI, as test_retrain.py does).
    rival = rival_registry_cli(cli_for_registry)
    code, outcome, stderr = register_step(
        spec,
        rival,
        tmp_path / "outputs",
        synthetic_run.version_dir,
        reg,
        "synthetic",
        "true",
        env={"RIVAL_PROMOTES": "1.0.1"},
    )
    assert code == 0, stderr
    assert read_json(reg / "synthetic" / "aliases" / "production.json")["version"] == "1.0.1"
    assert (reg / "synthetic" / "1.0.3" / METADATA_JSON).is_file()  # published all the same


class LocalArtifact:
    """What the KFP launcher hands a component: a path (and, for Metrics, log_metric)."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.logged: dict[str, float] = {}

    def log_metric(self, key: str, value: float) -> None:
        self.logged[key] = value


def components_export(data: Path, registry: Path, work: Path) -> tuple[Path, dict[str, float]]:
    """ingest → preprocess → train → evaluate → export as the KFP components, called in this
    process with promote_if_better against `registry`: the version folder and the logged
    metrics."""
    work.mkdir(parents=True)
    table, split, model, metrics, evaluation, version_dir = (
        LocalArtifact(work / n)
        for n in ("table", "split", "model", "metrics", "evaluation", "version_dir")
    )
    seed, test_size = DEFAULTS.train.seed, DEFAULTS.test_size
    ingest_op(
        data=str(data),
        target="",
        preset=LEAD_PRESET,
        positive_class="",
        allow_missing_preset_columns=True,
        strict=False,
        table=table,
    )
    preprocess_op(table, test_size=test_size, seed=seed, split=split)
    t = DEFAULTS.train
    train_op(split, t.n_estimators, t.max_depth, t.learning_rate, seed, search=0, model=model)
    evaluate_op(
        table,
        split,
        model,
        threshold=DEFAULTS.threshold,
        seed=seed,
        eval_folds=5,
        eval_repeats=1,
        registry=str(registry),
        name="m",
        alias="",
        promote_if_better=True,
        promotion_level=0.95,
        promotion_margin=-1.0,
        metrics=metrics,
        evaluation=evaluation,
    )
    export_op(table, split, model, evaluation, "m", test_size, seed, 50, version_dir)
    return Path(version_dir.path), metrics.logged


def test_register_step_promotes_by_the_paired_comparison_the_evaluate_step_made(
    spec: dict, tmp_path: Path, cli_for_registry: RegistryCli
) -> None:
    """As `run --promote-if-better`: the evaluate step scores the alias's version beside the
    candidate on the same rows, export writes that `comparison`, and the register step
    promotes only beyond noise; a candidate no better than production is kept."""
    weak = write_csv(tmp_path / "weak.csv", HEADER, noisy(synthetic_rows(1500), 0.7, seed=0))
    strong = write_csv(tmp_path / "strong.csv", HEADER, synthetic_rows(1500, seed=1))
    reg = tmp_path / "reg"

    def kfp_run(data: Path, label: str) -> tuple[dict, str]:
        version_dir, logged = components_export(data, reg, tmp_path / label)
        metadata = read_json(version_dir / METADATA_JSON)
        assert metadata["cross_validation"]["repeats"] == 1
        assert (
            logged["cv.roc_auc.mean"] == metadata["cross_validation"]["metrics"]["roc_auc"]["mean"]
        )
        code, outcome, stderr = register_step(
            spec, cli_for_registry, tmp_path / label / "outputs", version_dir, reg, "m", "true"
        )
        assert code == 0, stderr  # 3 (kept) counts as a result, not a failure
        return metadata, outcome

    first, outcome = kfp_run(weak, "weak")
    assert first.get("comparison") is None and "promoted 1.0.0 to production" in outcome

    better, outcome = kfp_run(strong, "strong")
    assert better["comparison"]["against"] == {"version": "1.0.0"}
    assert better["comparison"]["interval"][0] > better["comparison"]["margin"]
    assert "promoted 1.0.1 to production" in outcome and "better beyond noise" in outcome

    # The same data and seed again: the same model, a difference of 0, inside the margin.
    same, outcome = kfp_run(strong, "again")
    assert same["comparison"]["against"] == {"version": "1.0.1"}
    assert same["comparison"]["difference"] == 0.0
    assert "kept production at 1.0.1: not significantly better" in outcome


def test_components_run_locally_and_export_the_same_model(
    leads_csv: Path,
    synthetic_run: RunResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """kfp.local runs each component in a subprocess, passing real artifacts between them;
    without a registry the run ends at export (the register step needs the service image)."""
    from kfp import local

    # The components import this package, as they would from the image's PYTHONPATH.
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    local.init(runner=local.SubprocessRunner(use_venv=False), pipeline_root=str(tmp_path))
    build_pipeline()(data=str(leads_csv), name="synthetic", allow_missing_preset_columns=True)
    (version_dir,) = tmp_path.glob("*/export-op/version_dir")
    assert not list(tmp_path.glob("*/register-op"))
    metadata = verify_version_dir(version_dir)
    check_version_dir(version_dir)
    assert metadata["version"] == UNPUBLISHED_VERSION
    # Same data, same seed: the distributed run trains exactly the in-process model.
    assert metadata["metrics"] == synthetic_run.metadata["metrics"]
    assert metadata["files"]["model.onnx"] == synthetic_run.metadata["files"]["model.onnx"]
    # ... and the same calibrator decision and table (calibration.json, when there is one).
    calibrator = metadata["calibration"]["calibrator"]
    assert calibrator == synthetic_run.metadata["calibration"]["calibrator"]
    assert metadata["files"].get("calibration.json") == synthetic_run.metadata["files"].get(
        "calibration.json"
    )
