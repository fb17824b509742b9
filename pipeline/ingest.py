"""Stage 1, ingest: a CSV or Parquet file or a BigQuery table → the raw feature table and the
target.

Values stay as a client would send them (numbers, strings, None, and sentinels such as
"Select" kept verbatim) so golden rows can be cut straight from this table; turning them into
"missing" is the preprocessor's job.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import DataConfig, snake_case
from .errors import PipelineError
from .gcs_output import is_gcs_uri, read_gcs_object
from .read_table import read_table_bytes, read_table_file, strings_table

BQ_PREFIX = "bq://"


@dataclass(frozen=True)
class FieldSpec:
    """One raw request field: its name in requests, the column it came from, and its kind."""

    name: str
    source_column: str
    type: str  # "numeric" | "categorical"
    # One line for people, when the preset knows the column (DataConfig.field_descriptions).
    description: str | None = None


@dataclass
class IngestResult:
    frame: pd.DataFrame  # object dtype, one column per FieldSpec, raw client values
    target: np.ndarray  # float64
    target_name: str
    task: str  # "binary" | "regression"
    fields: list[FieldSpec]
    missing_values: tuple[str, ...]
    training_data: dict[str, Any]  # source, rows, sha256

    def save(self, directory: str | Path) -> None:
        """Plain JSON (no pickle) so a KFP step in another container can load it."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        doc = {
            "target_name": self.target_name,
            "task": self.task,
            "fields": [asdict(f) for f in self.fields],
            "missing_values": list(self.missing_values),
            "training_data": self.training_data,
            "target": self.target.tolist(),
            "rows": self.frame.to_numpy(dtype=object).tolist(),
        }
        (d / "table.json").write_text(json.dumps(doc))

    @classmethod
    def load(cls, directory: str | Path) -> IngestResult:
        doc = json.loads((Path(directory) / "table.json").read_text())
        fields = [FieldSpec(**f) for f in doc["fields"]]
        frame = pd.DataFrame(doc["rows"], columns=[f.name for f in fields], dtype=object)
        return cls(
            frame=frame,
            target=np.asarray(doc["target"], dtype=np.float64),
            target_name=doc["target_name"],
            task=doc["task"],
            fields=fields,
            missing_values=tuple(doc["missing_values"]),
            training_data=doc["training_data"],
        )


def ingest(source: str, config: DataConfig, task: str | None = None) -> IngestResult:
    """Read `source` (a CSV or Parquet path or gs:// object, or bq://project.dataset.table) and
    apply `config`.
    A CSV's delimiter and encoding are detected unless the config gives them."""
    table, training_data = _read(source, config.delimiter, config.encoding)
    return build_table(table, config, training_data, task)


def _read(
    source: str, delimiter: str | None, encoding: str | None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    if source.startswith(BQ_PREFIX):
        return _read_bigquery(source[len(BQ_PREFIX) :])
    if is_gcs_uri(source):
        return read_table_bytes(read_gcs_object(source), source, source, delimiter, encoding)
    return read_table_file(Path(source), delimiter, encoding)


def _read_bigquery(table_id: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    if table_id.count(".") != 2:
        raise PipelineError(f"expected bq://project.dataset.table, got bq://{table_id}")
    try:
        bigquery = importlib.import_module("google.cloud.bigquery")
    except ImportError:
        raise PipelineError(
            "reading bq:// needs the google-cloud-bigquery package: "
            "pip install google-cloud-bigquery"
        ) from None
    try:
        frame = bigquery.Client().list_rows(table_id).to_dataframe()
    except Exception as e:  # auth, permissions, missing table: all user-fixable
        raise PipelineError(f"cannot read BigQuery table {table_id}: {e}".splitlines()[0]) from e
    table = strings_table(frame)
    # BigQuery has no file bytes: fingerprint the CSV rendering of what was read.
    digest = hashlib.sha256(table.to_csv(index=False).encode()).hexdigest()
    return table, {"source": f"bq://{table_id}", "rows": len(table), "sha256": digest}


def build_table(
    table: pd.DataFrame,
    config: DataConfig,
    training_data: dict[str, Any],
    task: str | None = None,
) -> IngestResult:
    """Type the columns of an all-strings table and split off the target."""
    if not config.target:
        raise PipelineError("no target column given (use --target)")
    if config.target not in table.columns:
        raise PipelineError(
            f"target column {config.target!r} not in data (columns: {', '.join(table.columns)})"
        )
    if len(table) == 0:
        raise PipelineError("the dataset has no rows")
    _check_named_columns(table, config)
    missing = set(config.missing_values)

    target, task = parse_target(
        table[config.target], config.target, missing, task, config.positive_class
    )
    if config.positive_class is not None:
        training_data = {**training_data, "positive_class": config.positive_class}

    dropped = set(config.id_columns) | set(config.exclude_columns) | {config.target}
    fields: list[FieldSpec] = []
    columns: dict[str, list[Any]] = {}
    sources: dict[str, str] = {}
    for column in table.columns:
        if column in dropped:
            continue
        name = field_name(column, config)
        if name in sources:
            raise PipelineError(
                f"columns {sources[name]!r} and {column!r} both map to field {name!r}; use --rename"
            )
        sources[name] = column
        values = table[column].tolist()
        kind, parsed = _type_column(values, missing)
        if kind is None:
            raise PipelineError(
                f"column {column!r} is entirely missing "
                f"(every value is empty or one of {sorted(missing)}); exclude it with --exclude"
            )
        fields.append(
            FieldSpec(
                name=name,
                source_column=column,
                type=kind,
                description=config.field_descriptions.get(column),
            )
        )
        columns[name] = parsed
    if not fields:
        raise PipelineError("no feature columns left after dropping ids and excluded columns")
    frame = pd.DataFrame(columns, dtype=object)
    return IngestResult(
        frame=frame,
        target=target,
        target_name=config.target,
        task=task,
        fields=fields,
        missing_values=tuple(config.missing_values),
        training_data=training_data,
    )


def field_name(column: str, config: DataConfig) -> str:
    """The request field of a column: a --rename, else the column's own name (snake_cased when
    the config asks for it), so a CRM can send its rows as it exports them."""
    if column in config.renames:
        return config.renames[column]
    return snake_case(column) if config.snake_case_fields else column


def _check_named_columns(table: pd.DataFrame, config: DataConfig) -> None:
    """A preset (or a flag) naming columns the data does not have is likely the wrong preset
    for this data; say so before it silently drops nothing."""
    named = [*config.id_columns, *config.exclude_columns, *config.renames]
    absent = [c for c in dict.fromkeys(named) if c not in table.columns]
    if absent and not config.allow_missing_columns:
        raise PipelineError(
            f"columns named by the preset or flags are not in the data: {', '.join(absent)} "
            "(wrong --preset? --allow-missing-preset-columns ignores them)"
        )


def _type_column(values: list[str], missing: set[str]) -> tuple[str | None, list[Any]]:
    """Numeric when every present value parses as a number; else categorical.

    Empty cells become None (a client sends null); other sentinels stay as sent.
    """
    present = [v for v in values if v not in missing]
    if not present:
        return None, []
    try:
        [float(v) for v in present]
        numeric = True
    except ValueError:
        numeric = False
    parsed: list[Any] = []
    for v in values:
        if v == "":
            parsed.append(None)
        elif v in missing:
            parsed.append(v)
        else:
            parsed.append(float(v) if numeric else v)
    return ("numeric" if numeric else "categorical"), parsed


def parse_target(
    column: pd.Series,
    name: str,
    missing: set[str],
    task: str | None,
    positive_class: str | None = None,
) -> tuple[np.ndarray, str]:
    """The target as float64 (1/0 for a named positive class) and the task it implies."""
    values = column.tolist()
    n_missing = sum(1 for v in values if v in missing)
    if n_missing:
        raise PipelineError(f"target column {name!r} has {n_missing} missing values")
    if positive_class is not None:
        return _positive_class_target(values, name, task, positive_class), "binary"
    try:
        target = np.asarray([float(v) for v in values], dtype=np.float64)
    except ValueError:
        raise PipelineError(_text_target_message(values, name)) from None
    if not np.all(np.isfinite(target)):
        raise PipelineError(f"target column {name!r} has non-finite values")
    classes = np.unique(target)
    if len(classes) < 2:
        raise PipelineError(
            f"target column {name!r} has a single value ({classes[0]:g}); need at least two"
        )
    binary = set(classes.tolist()) <= {0.0, 1.0}
    if task is None:
        task = "binary" if binary else "regression"
    if task == "binary" and not binary:
        raise PipelineError(f"task binary needs a 0/1 target; {name!r} has other values")
    if task not in ("binary", "regression"):
        raise PipelineError(f"unknown task {task!r} (binary or regression)")
    return target, task


def _positive_class_target(
    values: list[Any], name: str, task: str | None, positive_class: str
) -> np.ndarray:
    if task not in (None, "binary"):
        raise PipelineError(f"--positive-class makes the task binary; got --task {task}")
    distinct = sorted(set(values))
    if positive_class not in distinct:
        shown = ", ".join(repr(v) for v in distinct[:10])
        raise PipelineError(
            f"--positive-class {positive_class!r} is not a value of target column {name!r} "
            f"(values: {shown}{', …' if len(distinct) > 10 else ''})"
        )
    if len(distinct) < 2:
        raise PipelineError(f"target column {name!r} has a single value; need at least two")
    return np.asarray([1.0 if v == positive_class else 0.0 for v in values], dtype=np.float64)


def _text_target_message(values: list[Any], name: str) -> str:
    distinct = sorted(set(values))
    if len(distinct) == 2:
        a, b = distinct
        return (
            f"target column {name!r} has two text values, {a!r} and {b!r}: name the one to "
            f"predict with --positive-class (e.g. --positive-class {b})"
        )
    row, first = next((i, v) for i, v in enumerate(values, start=1) if not _is_number(v))
    return (
        f"target column {name!r} must be numeric (0/1 or a number), or text with "
        f"--positive-class naming the value to predict; data row {row} has {first!r} "
        f"({len(distinct)} distinct values)"
    )


def _is_number(v: Any) -> bool:
    try:
        float(v)
    except ValueError:
        return False
    return True
