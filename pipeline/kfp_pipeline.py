"""The same stage functions as a Kubeflow Pipelines v2 pipeline (runs on Vertex AI Pipelines).

Each component is a lightweight Python component whose body only imports this package and
calls a stage; the image (pipeline/Dockerfile: the pinned requirements + this package) is
what makes that import work, so nothing is pip-installed at run time. Artifacts between
steps are the stages' own pickle-free save/load formats (JSON + .npy + xgboost.json).

The local registry step is not here: on a cluster the exported version directory is an
artifact in the pipeline root (GCS), published by the registry CLI (a separate issue).
"""

# No `from __future__ import annotations`: KFP reads the real annotation objects.
from pathlib import Path

from kfp import compiler, dsl
from kfp.dsl import Artifact, Dataset, Input, Metrics, Model, Output

from .config import DEFAULT_MODEL_NAME, DEFAULT_PRESET, DEFAULTS

# Built from pipeline/Dockerfile and pushed where the cluster can pull it; override with
# `python -m pipeline compile-kfp out.yaml --image REGION-docker.pkg.dev/PROJECT/REPO/IMAGE:TAG`.
DEFAULT_IMAGE = "lead-scoring-pipeline:latest"
PIPELINE_NAME = "lead-scoring-training"
STAGES = ("ingest", "preprocess", "train", "evaluate", "export")


def ingest_op(data: str, target: str, preset: str, table: Output[Dataset]) -> None:
    """CSV path (e.g. /gcs/bucket/leads.csv through Cloud Storage FUSE) or bq://p.d.t."""
    from pipeline.config import data_config_from_preset
    from pipeline.ingest import ingest

    config = data_config_from_preset(preset, target=target or None)
    ingest(data, config).save(table.path)


def preprocess_op(
    table: Input[Dataset], test_size: float, seed: int, split: Output[Dataset]
) -> None:
    from pipeline.ingest import IngestResult
    from pipeline.preprocess import preprocess

    preprocess(IngestResult.load(table.path), test_size, seed).save(split.path)


def train_op(
    split: Input[Dataset],
    n_estimators: int,
    max_depth: int,
    learning_rate: float,
    seed: int,
    search: int,
    model: Output[Model],
) -> None:
    from pipeline.config import TrainConfig
    from pipeline.preprocess import PreprocessResult
    from pipeline.train import train

    prep = PreprocessResult.load(split.path)
    config = TrainConfig(
        n_estimators=n_estimators,
        max_depth=max_depth,
        learning_rate=learning_rate,
        seed=seed,
        search_iterations=search,
    )
    train(prep.x_train, prep.y_train, prep.task, config).save(model.path)


def evaluate_op(
    split: Input[Dataset],
    model: Input[Model],
    threshold: float,
    metrics: Output[Metrics],
    evaluation: Output[Artifact],
) -> None:
    import json

    from pipeline.evaluate import evaluate
    from pipeline.preprocess import PreprocessResult
    from pipeline.train import TrainResult

    prep = PreprocessResult.load(split.path)
    trained = TrainResult.load(model.path)
    result = evaluate(trained.model, prep.x_test, prep.y_test, prep.task, threshold)
    for key, value in result.items():
        if isinstance(value, float):
            metrics.log_metric(key, value)
    with open(evaluation.path, "w") as f:
        json.dump(result, f)


def export_op(
    table: Input[Dataset],
    split: Input[Dataset],
    model: Input[Model],
    evaluation: Input[Artifact],
    name: str,
    version: str,
    test_size: float,
    seed: int,
    golden_rows: int,
    version_dir: Output[Model],
) -> None:
    import json
    from pathlib import Path

    from pipeline.ingest import IngestResult
    from pipeline.preprocess import PreprocessResult
    from pipeline.run import export_version
    from pipeline.train import TrainResult

    with open(evaluation.path) as f:
        result = json.load(f)
    export_version(
        Path(version_dir.path),
        name=name,
        version=version,
        data=IngestResult.load(table.path),
        prep=PreprocessResult.load(split.path),
        trained=TrainResult.load(model.path),
        metrics=result,
        test_size=test_size,
        seed=seed,
        golden_rows=golden_rows,
    )


def build_pipeline(image: str = DEFAULT_IMAGE):
    """The pipeline function, with every component running in `image`."""

    def component(fn):
        # install_kfp_package=False: the image already has the pinned kfp (requirements.txt).
        return dsl.component(fn, base_image=image, install_kfp_package=False)

    ingest_c, preprocess_c, train_c, evaluate_c, export_c = (
        component(f) for f in (ingest_op, preprocess_op, train_op, evaluate_op, export_op)
    )

    @dsl.pipeline(name=PIPELINE_NAME, description="Lead data → verified ONNX/XGBoost model version")
    def training_pipeline(
        data: str,
        target: str = "",  # "" = the preset's
        preset: str = DEFAULT_PRESET,
        name: str = DEFAULT_MODEL_NAME,
        version: str = "1.0.0",
        test_size: float = DEFAULTS.test_size,
        seed: int = DEFAULTS.train.seed,
        n_estimators: int = DEFAULTS.train.n_estimators,
        max_depth: int = DEFAULTS.train.max_depth,
        learning_rate: float = DEFAULTS.train.learning_rate,
        search: int = DEFAULTS.train.search_iterations,
        threshold: float = DEFAULTS.threshold,
        golden_rows: int = DEFAULTS.golden_rows,
    ):
        ingested = ingest_c(data=data, target=target, preset=preset).set_display_name("ingest")
        split = preprocess_c(
            table=ingested.outputs["table"], test_size=test_size, seed=seed
        ).set_display_name("preprocess")
        trained = train_c(
            split=split.outputs["split"],
            n_estimators=n_estimators,
            max_depth=max_depth,
            learning_rate=learning_rate,
            seed=seed,
            search=search,
        ).set_display_name("train")
        evaluated = evaluate_c(
            split=split.outputs["split"], model=trained.outputs["model"], threshold=threshold
        ).set_display_name("evaluate")
        export_c(
            table=ingested.outputs["table"],
            split=split.outputs["split"],
            model=trained.outputs["model"],
            evaluation=evaluated.outputs["evaluation"],
            name=name,
            version=version,
            test_size=test_size,
            seed=seed,
            golden_rows=golden_rows,
        ).set_display_name("export")

    return training_pipeline


def compile_pipeline(output: str | Path, image: str | None = None) -> Path:
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(build_pipeline(image or DEFAULT_IMAGE), str(out))
    return out
