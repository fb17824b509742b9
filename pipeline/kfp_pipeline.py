"""The same stage functions as a Kubeflow Pipelines v2 pipeline (runs on Vertex AI Pipelines).

Each component is a lightweight Python component whose body only imports this package and
calls a stage; the image (pipeline/Dockerfile: the pinned requirements + this package) is
what makes that import work, so nothing is pip-installed at run time. Artifacts between
steps are the stages' own pickle-free save/load formats (JSON + .npy + xgboost.json).

The last step publishes the exported version folder (an artifact in the pipeline root, read
through Cloud Storage FUSE) with the service's own CLI, `lead-scoring registry publish`, in the
service's image: the registry numbers the version, so nothing here chooses one. It runs when the
`registry` parameter is set (e.g. gs://bucket/models); without it the run ends at export.

With `promote_if_better`, the evaluate step reads the alias's version from the registry and
scores it beside the candidate on the same held-out rows (`run`'s own evaluate stage), so the
exported metadata.json has a `comparison` and the registry promotes by the same paired rule as
`run --promote-if-better`: only when the whole interval clears the margin.
"""

# No `from __future__ import annotations`: KFP reads the real annotation objects.
from pathlib import Path

from kfp import compiler, dsl
from kfp.dsl import Artifact, Dataset, Input, Metrics, Model, Output

from .config import DEFAULT_MODEL_NAME, DEFAULTS, LEAD_PRESET

# Built from pipeline/Dockerfile and pushed where the cluster can pull it; override with
# `python -m pipeline compile-kfp out.yaml --image REGION-docker.pkg.dev/PROJECT/REPO/IMAGE:TAG`.
DEFAULT_IMAGE = "lead-scoring-pipeline:latest"
# The service's image (../Dockerfile), which holds the registry CLI; a pipeline parameter
# (`service_image`), defaulting to this or to `compile-kfp --service-image`.
DEFAULT_SERVICE_IMAGE = "lead-scoring:latest"
PIPELINE_NAME = "lead-scoring-training"
STAGES = ("ingest", "preprocess", "train", "evaluate", "export", "register")

# The register step: `lead-scoring registry publish`, run from a shell only to turn the CLI's
# flags on and off from parameters, to keep its report as the step's `outcome`, and to count
# exit codes 3 (published, but --promote-if-better kept the alias) and 4 (published, but
# another operator moved the alias meanwhile; their choice stands, as in the retrain job) as
# results, not failures: the version is published either way, and a retry would publish another.
# The service image has the CLI as dist/src/cli/main.js under WORKDIR /app, not on PATH;
# $LEAD_SCORING_CLI (split on spaces) replaces it: the tests run this script with the
# checkout's CLI.
REGISTER_SCRIPT = r"""outcome=$1 promote=$2 major=$3 alias=$4
shift 4
case $promote in true | True) set -- "$@" --promote-if-better ;; esac
case $major in true | True) set -- "$@" --major ;; esac
if [ -n "$alias" ]; then set -- "$@" --alias "$alias"; fi
report=$(${LEAD_SCORING_CLI:-node /app/dist/src/cli/main.js} registry publish "$@")
code=$?
printf '%s
' "$report"
{ mkdir -p "$(dirname "$outcome")" && printf '%s
' "$report" >"$outcome"; } || exit 1
case $code in 3 | 4) exit 0 ;; esac
exit "$code"
"""


def ingest_op(
    data: str,
    target: str,
    preset: str,
    positive_class: str,
    allow_missing_preset_columns: bool,
    strict: bool,
    table: Output[Dataset],
) -> None:
    """CSV or Parquet path (e.g. /gcs/bucket/leads.csv through Cloud Storage FUSE) or bq://p.d.t;
    the data profile goes to the step's log."""
    from pipeline.config import data_config_from_preset
    from pipeline.ingest import ingest
    from pipeline.run import check_profile

    config = data_config_from_preset(
        preset,
        target=target or None,
        positive_class=positive_class or None,
        allow_missing_columns=allow_missing_preset_columns,
    )
    ingested = ingest(data, config)
    check_profile(ingested, strict, print)
    ingested.save(table.path)


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
    table: Input[Dataset],
    split: Input[Dataset],
    model: Input[Model],
    threshold: float,
    seed: int,
    eval_folds: int,
    eval_repeats: int,
    registry: str,
    name: str,
    alias: str,
    promote_if_better: bool,
    promotion_level: float,
    promotion_margin: float,
    metrics: Output[Metrics],
    evaluation: Output[Artifact],
) -> None:
    """`run`'s evaluate stage itself (run.evaluate_stage): held-out and fold metrics,
    calibration (and the calibrator, when the rule adopts one) and, with a registry and
    promote_if_better, the paired comparison with the
    alias's version on the same rows, which the register step's promotion then judges."""
    import json

    from pipeline.config import DEFAULT_ALIAS, DataConfig, RunConfig, TrainConfig
    from pipeline.ingest import IngestResult
    from pipeline.preprocess import PreprocessResult
    from pipeline.production_model import read_production
    from pipeline.run import evaluate_stage, stage_reporter
    from pipeline.train import TrainResult

    data = IngestResult.load(table.path)
    production = (
        read_production(registry, name, alias or DEFAULT_ALIAS)
        if registry and promote_if_better
        else None
    )
    config = RunConfig(
        data=DataConfig(target=data.target_name),  # read by ingest only, done already
        train=TrainConfig(seed=seed),  # the folds' seed, as in `run`
        threshold=threshold,
        eval_folds=eval_folds,
        eval_repeats=eval_repeats,
        promotion_level=promotion_level,
        promotion_margin=None if promotion_margin < 0 else promotion_margin,
    )
    held_out, cv, calibration, comparison, calibrator = evaluate_stage(
        data,
        PreprocessResult.load(split.path),
        TrainResult.load(model.path),
        config,
        production,
        stage_reporter(print),
        print,
    )
    for key, value in held_out.items():
        if isinstance(value, float):
            metrics.log_metric(key, value)
    for key, summary in (cv or {}).get("metrics", {}).items():
        metrics.log_metric(f"cv.{key}.mean", summary["mean"])
    with open(evaluation.path, "w") as f:
        json.dump(
            {
                "metrics": held_out,
                "cross_validation": cv,
                "calibration": calibration,
                "comparison": comparison,
                # calibration.json's table, or null: `run`'s rule (--calibration auto).
                "calibrator": calibrator,
            },
            f,
        )


def export_op(
    table: Input[Dataset],
    split: Input[Dataset],
    model: Input[Model],
    evaluation: Input[Artifact],
    name: str,
    test_size: float,
    seed: int,
    golden_rows: int,
    version_dir: Output[Model],
) -> None:
    import json
    from pathlib import Path

    from pipeline.config import UNPUBLISHED_VERSION
    from pipeline.ingest import IngestResult
    from pipeline.preprocess import PreprocessResult
    from pipeline.run import export_version
    from pipeline.train import TrainResult

    with open(evaluation.path) as f:
        evaluated = json.load(f)
    export_version(
        Path(version_dir.path),
        name=name,
        version=UNPUBLISHED_VERSION,  # the registry numbers it when the register step publishes
        data=IngestResult.load(table.path),
        prep=PreprocessResult.load(split.path),
        trained=TrainResult.load(model.path),
        metrics=evaluated["metrics"],
        test_size=test_size,
        seed=seed,
        golden_rows=golden_rows,
        cross_validation=evaluated["cross_validation"],
        calibration=evaluated["calibration"],
        comparison=evaluated["comparison"],
        calibrator=evaluated["calibrator"],
    )


@dsl.container_component
def register_op(
    version_dir: Input[Model],
    registry: str,
    name: str,
    alias: str,
    promote_if_better: bool,
    major: bool,
    outcome: dsl.OutputPath(str),
):
    """`lead-scoring registry publish`; `outcome` is its report (published, promoted or kept)."""
    return dsl.ContainerSpec(
        image=DEFAULT_SERVICE_IMAGE,  # replaced by the service_image parameter
        command=["sh", "-c", REGISTER_SCRIPT, "register"],
        args=[
            outcome,
            promote_if_better,
            major,
            alias,
            version_dir.path,
            "--registry",
            registry,
            "--model",
            name,
            # The lineage's training run: this pipeline run (Vertex AI's pipeline job name).
            "--run-id",
            dsl.PIPELINE_JOB_NAME_PLACEHOLDER,
        ],
    )


def build_pipeline(image: str = DEFAULT_IMAGE, service_image: str = DEFAULT_SERVICE_IMAGE):
    """The pipeline function: the stages run in `image`, the register step in `service_image`
    (the default of the pipeline's `service_image` parameter)."""

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
        preset: str = LEAD_PRESET,  # the default model's data, like name
        positive_class: str = "",  # "" = a numeric target
        allow_missing_preset_columns: bool = False,
        strict: bool = False,
        name: str = DEFAULT_MODEL_NAME,
        test_size: float = DEFAULTS.test_size,
        seed: int = DEFAULTS.train.seed,
        n_estimators: int = DEFAULTS.train.n_estimators,
        max_depth: int = DEFAULTS.train.max_depth,
        learning_rate: float = DEFAULTS.train.learning_rate,
        search: int = DEFAULTS.train.search_iterations,
        threshold: float = DEFAULTS.threshold,
        eval_folds: int = DEFAULTS.eval_folds,
        eval_repeats: int = DEFAULTS.eval_repeats,  # 0 = no fold metrics
        promotion_level: float = DEFAULTS.promotion_level,
        # The improvement the paired interval must clear; negative = the primary metric's
        # default (paired_comparison.DEFAULT_MARGINS), as `run` without --promotion-margin.
        promotion_margin: float = -1.0,
        golden_rows: int = DEFAULTS.golden_rows,
        registry: str = "",  # where to publish, e.g. gs://bucket/models; "" = export only
        alias: str = "",  # for promote_if_better; "" = the CLI's default, production
        promote_if_better: bool = False,
        major: bool = False,
        service_image: str = service_image,
    ):
        ingested = ingest_c(
            data=data,
            target=target,
            preset=preset,
            positive_class=positive_class,
            allow_missing_preset_columns=allow_missing_preset_columns,
            strict=strict,
        ).set_display_name("ingest")
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
            table=ingested.outputs["table"],
            split=split.outputs["split"],
            model=trained.outputs["model"],
            threshold=threshold,
            seed=seed,
            eval_folds=eval_folds,
            eval_repeats=eval_repeats,
            registry=registry,
            name=name,
            alias=alias,
            promote_if_better=promote_if_better,
            promotion_level=promotion_level,
            promotion_margin=promotion_margin,
        ).set_display_name("evaluate")
        # It reads the alias's version from the registry: a cached comparison could be against
        # a version that is no longer production (the registry would then keep production).
        evaluated.set_caching_options(False)
        exported = export_c(
            table=ingested.outputs["table"],
            split=split.outputs["split"],
            model=trained.outputs["model"],
            evaluation=evaluated.outputs["evaluation"],
            name=name,
            test_size=test_size,
            seed=seed,
            golden_rows=golden_rows,
        ).set_display_name("export")
        with dsl.If(registry != "", name="publish"):
            published = register_op(
                version_dir=exported.outputs["version_dir"],
                registry=registry,
                name=name,
                alias=alias,
                promote_if_better=promote_if_better,
                major=major,
            ).set_display_name("register")
            published.set_container_image(service_image)
            # A publish acts on the registry: never a cached result of an earlier run.
            published.set_caching_options(False)

    return training_pipeline


def compile_pipeline(
    output: str | Path, image: str | None = None, service_image: str | None = None
) -> Path:
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    pipeline = build_pipeline(image or DEFAULT_IMAGE, service_image or DEFAULT_SERVICE_IMAGE)
    compiler.Compiler().compile(pipeline, str(out))
    return out
