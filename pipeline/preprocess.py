"""Stage 2, preprocess: seeded split, fit the ColumnTransformer on train, export its JSON.

numeric → median imputation → standard scaling; categorical → a constant missing marker →
one-hot (unknown categories ignored). Missing = absent, null, NaN or a sentinel string, decided
by transform.is_missing for both the training table and request instances.

The marker is "missing" unless the data has a real category of that name; then it is the first
of "missing (2)", "missing (3)", ... that no value takes, so a real category never scores as a
null. Format v2 of preprocessor.json says so to every reader: the fill value's column is reached
by a missing value only, never by a request string equal to it (transform.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .errors import PipelineError
from .ingest import FieldSpec, IngestResult
from .transform import PREPROCESSOR_FORMAT, InstanceError, is_missing, transform_instance

MISSING_CATEGORY = "missing"


@dataclass
class PreprocessResult:
    x_train: np.ndarray  # float32
    x_test: np.ndarray  # float32
    y_train: np.ndarray
    y_test: np.ndarray
    test_instances: list[dict[str, Any]]  # held-out rows as a client would send them
    train_frame: pd.DataFrame  # normalized training split (NaN = missing), for baselines
    preprocessor: dict[str, Any]  # the preprocessor.json document
    fields: list[FieldSpec]
    task: str

    def save(self, directory: str | Path) -> None:
        """npy (allow_pickle=False) + JSON, so a KFP step elsewhere can load it without pickle."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        for name in ("x_train", "x_test", "y_train", "y_test"):
            np.save(d / f"{name}.npy", getattr(self, name), allow_pickle=False)
        (d / "preprocessor.json").write_text(json.dumps(self.preprocessor, indent=1))
        (d / "split.json").write_text(
            json.dumps(
                {
                    "task": self.task,
                    "fields": [f.__dict__ for f in self.fields],
                    "test_instances": self.test_instances,
                    "train_rows": self.train_frame.to_numpy(dtype=object).tolist(),
                },
                allow_nan=True,
            )
        )

    @classmethod
    def load(cls, directory: str | Path) -> PreprocessResult:
        d = Path(directory)
        arrays = {n: np.load(d / f"{n}.npy") for n in ("x_train", "x_test", "y_train", "y_test")}
        doc = json.loads((d / "split.json").read_text())
        fields = [FieldSpec(**f) for f in doc["fields"]]
        preprocessor = json.loads((d / "preprocessor.json").read_text())
        train_frame = normalize_frame(
            pd.DataFrame(doc["train_rows"], columns=[f.name for f in fields], dtype=object),
            fields,
            preprocessor["missing_values"],
        )
        return cls(
            **arrays,
            test_instances=doc["test_instances"],
            train_frame=train_frame,
            preprocessor=preprocessor,
            fields=fields,
            task=doc["task"],
        )


def normalize_frame(
    frame: pd.DataFrame, fields: Sequence[FieldSpec], missing_values: Sequence[str]
) -> pd.DataFrame:
    """Raw client values → what the ColumnTransformer expects: float64 / object, NaN = missing."""
    out: dict[str, Any] = {}
    for f in fields:
        values = frame[f.name].tolist() if f.name in frame.columns else [None] * len(frame)
        if f.type == "numeric":
            out[f.name] = np.asarray(
                [np.nan if is_missing(v, missing_values) else _number(f, v) for v in values],
                dtype=np.float64,
            )
        else:
            out[f.name] = np.asarray(
                [np.nan if is_missing(v, missing_values) else _string(f, v) for v in values],
                dtype=object,
            )
    return pd.DataFrame(out, index=frame.index)


def _number(f: FieldSpec, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise InstanceError(f"field {f.name!r}: expected a number, got {v!r}")
    return float(v)


def _string(f: FieldSpec, v: Any) -> str:
    if not isinstance(v, str):
        raise InstanceError(f"field {f.name!r}: expected a string, got {v!r}")
    return v


def instances_to_frame(
    instances: Sequence[Mapping[str, Any]],
    fields: Sequence[FieldSpec],
    missing_values: Sequence[str],
) -> pd.DataFrame:
    """Request-style dicts (keys may be absent) → the normalized frame sklearn transforms."""
    names = {f.name for f in fields}
    for inst in instances:
        unknown = set(inst) - names
        if unknown:
            raise InstanceError(f"unknown field(s): {', '.join(sorted(unknown))}")
    rows = [[inst.get(f.name) for f in fields] for inst in instances]
    raw = pd.DataFrame(rows, columns=[f.name for f in fields], dtype=object)
    return normalize_frame(raw, fields, missing_values)


def missing_marker(frame: pd.DataFrame, fields: Sequence[FieldSpec]) -> str:
    """The categorical fill value: a string that no categorical value in `frame` equals."""
    taken = {
        v
        for f in fields
        if f.type == "categorical" and f.name in frame.columns
        for v in frame[f.name].tolist()
        if isinstance(v, str)
    }
    marker, n = MISSING_CATEGORY, 1
    while marker in taken:
        n += 1
        marker = f"{MISSING_CATEGORY} ({n})"
    return marker


def build_column_transformer(
    fields: Sequence[FieldSpec], marker: str = MISSING_CATEGORY
) -> ColumnTransformer:
    numeric = [f.name for f in fields if f.type == "numeric"]
    categorical = [f.name for f in fields if f.type == "categorical"]
    return ColumnTransformer(
        [
            (
                "num",
                # keep_empty_features: a column with no value in the training split still
                # gets an output column, so the width never depends on the split.
                make_pipeline(
                    SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
                ),
                numeric,
            ),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(
                        strategy="constant",
                        fill_value=marker,
                        keep_empty_features=True,
                    ),
                    OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                ),
                categorical,
            ),
        ],
        # Dense always: XGBoost reads an absent sparse entry as *missing*, not as 0.
        sparse_threshold=0.0,
        remainder="drop",
    )


def transform(ct: ColumnTransformer, frame: pd.DataFrame) -> np.ndarray:
    """sklearn's float64 output stored as float32, exactly what goes into xgboost.DMatrix."""
    return np.asarray(ct.transform(frame), dtype=np.float64).astype(np.float32)


def preprocessor_to_json(
    ct: ColumnTransformer, fields: Sequence[FieldSpec], missing_values: Sequence[str]
) -> dict[str, Any]:
    """The fitted transformer as docs/artifacts.md's preprocessor.json."""
    num_pipe = ct.named_transformers_["num"]
    cat_pipe = ct.named_transformers_["cat"]
    numeric = [f for f in fields if f.type == "numeric"]
    categorical = [f for f in fields if f.type == "categorical"]
    marker = cat_pipe[0].fill_value if categorical else MISSING_CATEGORY
    num_index = {f.name: i for i, f in enumerate(numeric)}
    cat_index = {f.name: i for i, f in enumerate(categorical)}

    output_columns = [f.name for f in numeric]
    offsets: dict[str, int] = {}
    categories: dict[str, list[str]] = {}
    if categorical:
        encoder = cat_pipe[-1]
        for f in categorical:
            cats = [str(c) for c in encoder.categories_[cat_index[f.name]]]
            categories[f.name] = cats
            offsets[f.name] = len(output_columns)
            output_columns.extend(f"{f.name}={c}" for c in cats)

    out_fields: list[dict[str, Any]] = []
    for f in fields:  # request-schema order, not output order
        if f.type == "numeric":
            i = num_index[f.name]
            imputer, scaler = num_pipe[0], num_pipe[1]
            out_fields.append(
                {
                    "name": f.name,
                    "source_column": f.source_column,
                    "type": "numeric",
                    "fill_value": float(imputer.statistics_[i]),
                    "mean": float(scaler.mean_[i]),
                    "scale": float(scaler.scale_[i]),
                    "output_index": i,
                }
            )
        else:
            out_fields.append(
                {
                    "name": f.name,
                    "source_column": f.source_column,
                    "type": "categorical",
                    "fill_value": marker,
                    "categories": categories[f.name],
                    "output_offset": offsets[f.name],
                }
            )
    return {
        "format": PREPROCESSOR_FORMAT,
        "missing_values": list(missing_values),
        "fields": out_fields,
        "output_columns": output_columns,
        "n_outputs": len(output_columns),
    }


def frame_to_instances(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Raw table rows → request dicts; None stays (JSON null), whole floats stay floats."""
    return [
        {
            k: (None if v is None or (isinstance(v, float) and np.isnan(v)) else v)
            for k, v in row.items()
        }
        for row in frame.to_dict(orient="records")
    ]


def edge_instances(
    template: Mapping[str, Any], fields: Sequence[FieldSpec], sentinel: str
) -> list[dict[str, Any]]:
    """Variants of one row that exercise every missing/unknown rule of the contract."""
    out: list[dict[str, Any]] = []
    for f in fields:
        absent = dict(template)
        absent.pop(f.name, None)
        out.append(absent)
        out.append({**template, f.name: None})
        out.append({**template, f.name: float("nan")})
        out.append({**template, f.name: sentinel})
        if f.type == "categorical":
            out.append({**template, f.name: "never seen in training"})
    return out


def verify_transform(
    ct: ColumnTransformer,
    preprocessor: Mapping[str, Any],
    instances: Sequence[Mapping[str, Any]],
    fields: Sequence[FieldSpec],
) -> None:
    """Fail loudly if the exported JSON semantics ever drift from sklearn's transform."""
    expected = transform(ct, instances_to_frame(instances, fields, preprocessor["missing_values"]))
    actual = np.asarray([transform_instance(preprocessor, i) for i in instances], dtype=np.float32)
    if expected.shape != actual.shape or not np.array_equal(expected, actual):
        bad = int(np.argwhere(expected != actual)[0][0]) if expected.shape == actual.shape else -1
        raise PipelineError(
            f"preprocessor.json does not reproduce sklearn's transform (first bad row {bad})"
        )


def preprocess(data: IngestResult, test_size: float = 0.2, seed: int = 42) -> PreprocessResult:
    """Split (stratified for binary), fit on train only, and export + self-check the JSON."""
    if not 0.0 < test_size < 1.0:
        raise PipelineError(f"test size must be between 0 and 1, got {test_size}")
    index = np.arange(len(data.frame))
    try:
        train_idx, test_idx = train_test_split(
            index,
            test_size=test_size,
            random_state=seed,
            stratify=data.target if data.task == "binary" else None,
        )
    except ValueError as e:
        raise PipelineError(f"cannot split {len(index)} rows for training/testing: {e}") from None

    raw_train = data.frame.iloc[train_idx].reset_index(drop=True)
    raw_test = data.frame.iloc[test_idx].reset_index(drop=True)
    train_frame = normalize_frame(raw_train, data.fields, data.missing_values)
    test_frame = normalize_frame(raw_test, data.fields, data.missing_values)

    ct = build_column_transformer(data.fields, missing_marker(data.frame, data.fields))
    ct.fit(train_frame)
    preprocessor = preprocessor_to_json(ct, data.fields, data.missing_values)
    x_train = transform(ct, train_frame)
    x_test = transform(ct, test_frame)
    if x_train.shape[1] != preprocessor["n_outputs"]:
        raise PipelineError("internal: output width differs from the exported column list")

    test_instances = frame_to_instances(raw_test)
    sentinel = next((m for m in data.missing_values if m), "")
    verify_transform(
        ct,
        preprocessor,
        test_instances + edge_instances(test_instances[0], data.fields, sentinel),
        data.fields,
    )
    return PreprocessResult(
        x_train=x_train,
        x_test=x_test,
        y_train=data.target[train_idx],
        y_test=data.target[test_idx],
        test_instances=test_instances,
        train_frame=train_frame,
        preprocessor=preprocessor,
        fields=list(data.fields),
        task=data.task,
    )
