"""Stage 1, ingest: a CSV file or a BigQuery table → the raw feature table and the target.

Values stay as a client would send them (numbers, strings, None, and sentinels such as
"Select" kept verbatim) so golden rows can be cut straight from this table; turning them into
"missing" is the preprocessor's job.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .config import DataConfig, snake_case
from .errors import PipelineError

BQ_PREFIX = "bq://"


@dataclass(frozen=True)
class FieldSpec:
    """One raw request field: its snake_case name, the column it came from, and its kind."""

    name: str
    source_column: str
    type: str  # "numeric" | "categorical"


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
    """Read `source` (a CSV path or bq://project.dataset.table) and apply `config`."""
    table, training_data = _read(source)
    return build_table(table, config, training_data, task)


def _read(source: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    if source.startswith(BQ_PREFIX):
        return _read_bigquery(source[len(BQ_PREFIX) :])
    path = Path(source)
    if not path.is_file():
        raise PipelineError(f"data file not found: {source}")
    raw = path.read_bytes()
    try:
        # Every cell as a string, nothing guessed: "", "Select" and "NA" are decided by the
        # config's missing values, not by pandas' defaults.
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.EmptyDataError:
        raise PipelineError(f"data file is empty: {source}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as e:
        raise PipelineError(f"cannot parse {source} as CSV: {e}".splitlines()[0]) from None
    info = {"source": path.name, "rows": len(table), "sha256": hashlib.sha256(raw).hexdigest()}
    return table.astype(object), info


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
    # Same representation as a CSV (strings, "" for NULL) so one code path types the columns.
    table = frame.astype(object).map(lambda v: "" if _is_null(v) else str(v))
    # BigQuery has no file bytes: fingerprint the CSV rendering of what was read.
    digest = hashlib.sha256(table.to_csv(index=False).encode()).hexdigest()
    return table, {"source": f"bq://{table_id}", "rows": len(table), "sha256": digest}


def _is_null(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


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
    missing = set(config.missing_values)

    target, task = _parse_target(table[config.target], config.target, missing, task)

    dropped = set(config.id_columns) | set(config.exclude_columns) | {config.target}
    fields: list[FieldSpec] = []
    columns: dict[str, list[Any]] = {}
    sources: dict[str, str] = {}
    for column in table.columns:
        if column in dropped:
            continue
        name = config.renames.get(column, snake_case(column))
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
        fields.append(FieldSpec(name=name, source_column=column, type=kind))
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


def _parse_target(
    column: pd.Series, name: str, missing: set[str], task: str | None
) -> tuple[np.ndarray, str]:
    values = column.tolist()
    n_missing = sum(1 for v in values if v in missing)
    if n_missing:
        raise PipelineError(f"target column {name!r} has {n_missing} missing values")
    try:
        target = np.asarray([float(v) for v in values], dtype=np.float64)
    except ValueError:
        raise PipelineError(f"target column {name!r} must be numeric (0/1 or a number)") from None
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
