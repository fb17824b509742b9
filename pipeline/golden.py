"""golden.json: held-out raw rows with XGBoost's own outputs, the cross-runtime contract test.

Rows are the first N held-out instances, with a few fields rewritten on fixed rows so that
every rule of the request contract is exercised even if the data happened not to: an absent
key, a null, a sentinel in a numeric and a categorical field, an empty string, an unseen
category, and a real category named "missing" when the data has one (it must not score as a
null). Which of these a schema can have is required (check_coverage), before training.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import xgboost as xgb

from . import calibrator
from .errors import PipelineError
from .ingest import FieldSpec
from .transform import is_missing, transform_instance

REAL_MISSING_WORD = "missing"  # a category that the old missing marker used to swallow

GOLDEN_FORMAT = "lead-scoring-golden/v1"
UNSEEN_CATEGORY = "Unseen category (golden test)"
TOLERANCE = 1e-5
_ABSENT = object()  # marks an edit that deletes the key


def golden_instances(
    test_instances: Sequence[Mapping[str, Any]],
    fields: Sequence[FieldSpec],
    missing_values: Sequence[str],
    n: int,
) -> list[dict[str, Any]]:
    if len(test_instances) < n:
        raise PipelineError(
            f"the held-out split has {len(test_instances)} rows; golden.json needs {n} "
            "(use more data, a larger --test-size, or a smaller --golden-rows)"
        )
    rows = [copy.deepcopy(dict(i)) for i in test_instances[:n]]
    numeric = [f.name for f in fields if f.type == "numeric"]
    categorical = [f.name for f in fields if f.type == "categorical"]
    sentinel = next((m for m in missing_values if m), None)
    edits: list[tuple[str, Any]] = []  # (field, new value or _ABSENT)
    for names in (numeric, categorical):
        if names:
            edits += [(names[0], _ABSENT), (names[-1], None)]
            if sentinel is not None:
                edits.append((names[0], sentinel))
    if categorical:
        edits.append((categorical[0], UNSEEN_CATEGORY))
        if "" in missing_values:
            edits.append((categorical[-1], ""))
    if REAL_MISSING_WORD not in missing_values:
        edits += [
            (name, REAL_MISSING_WORD)
            for name in categorical
            if any(i.get(name) == REAL_MISSING_WORD for i in test_instances)
        ][:1]
    if len(edits) > n:
        raise PipelineError(f"golden.json needs at least {len(edits)} rows, asked for {n}")
    for row, (name, value) in zip(rows, edits, strict=False):  # edits ≤ rows
        if value is _ABSENT:
            row.pop(name, None)
        else:
            row[name] = value
    return rows


def describe_coverage(
    rows: Sequence[Mapping[str, Any]], preprocessor: Mapping[str, Any]
) -> dict[str, int]:
    """How many rows exercise each contract rule (asserted by export and the tests)."""
    mv = preprocessor["missing_values"]
    names = [f["name"] for f in preprocessor["fields"]]
    categories = {f["name"]: f["categories"] for f in preprocessor["fields"] if "categories" in f}

    def unseen(r: Mapping[str, Any]) -> bool:
        return any(
            isinstance(r.get(k), str) and not is_missing(r[k], mv) and r[k] not in c
            for k, c in categories.items()
        )

    return {
        "null": sum(any(k in r and r[k] is None for k in names) for r in rows),
        "sentinel": sum(
            any(isinstance(v, str) and v in mv and v for v in r.values()) for r in rows
        ),
        "absent_key": sum(any(k not in r for k in names) for r in rows),
        "unseen_category": sum(unseen(r) for r in rows),
    }


def required_cases(preprocessor: Mapping[str, Any]) -> list[str]:
    """The contract rules this schema can exercise: a sentinel only when there is one, an
    unseen category only when there are categorical fields."""
    needed = ["null", "absent_key"]
    if any(preprocessor["missing_values"]):
        needed.append("sentinel")
    if any(f["type"] == "categorical" for f in preprocessor["fields"]):
        needed.append("unseen_category")
    return needed


def check_coverage(rows: Sequence[Mapping[str, Any]], preprocessor: Mapping[str, Any]) -> None:
    coverage = describe_coverage(rows, preprocessor)
    lacking = [k for k in required_cases(preprocessor) if coverage[k] == 0]
    if lacking:
        raise PipelineError(f"golden rows lack required cases: {', '.join(lacking)}")


def build_golden(
    model: xgb.XGBModel,
    preprocessor: Mapping[str, Any],
    instances: Sequence[Mapping[str, Any]],
    task: str,
    version: str,
    calibration: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], np.ndarray]:
    """The golden document and its float32 feature matrix (for the ONNX check).

    `prediction` is what the service must answer. With a calibrator (calibration.json) that is
    the calibrated probability, and `raw_prediction` holds the trees' own (XGBoost `predict`),
    which the runtimes are proven against; `margin` and `contributions` stay the trees'."""
    x = np.asarray([transform_instance(preprocessor, i) for i in instances], dtype=np.float32)
    booster = model.get_booster()
    dm = xgb.DMatrix(x)
    prediction = booster.predict(dm)
    margin = booster.predict(dm, output_margin=True)
    contributions = booster.predict(dm, pred_contribs=True)
    # Contributions must add up to the margin; a mismatch means the wrong model or matrix.
    if not np.allclose(contributions.sum(axis=1), margin, atol=1e-4):
        raise PipelineError("internal: pred_contribs do not sum to the margin")
    tolerance = TOLERANCE
    if task == "regression":
        # float32 carries ~7 digits: scale the absolute tolerance with the output's size.
        tolerance = TOLERANCE * max(1.0, float(np.abs(prediction).max()))
    # The calibrator's input is the trees' float32 probability, as the service's scorer gives it.
    served = calibrator.apply(calibration, prediction) if calibration else prediction
    rows = [
        {
            "instance": dict(inst),
            "features": [float(v) for v in x[i]],
            "prediction": float(served[i]),
            **({"raw_prediction": float(prediction[i])} if calibration else {}),
            "margin": float(margin[i]),
            "contributions": [float(v) for v in contributions[i]],
        }
        for i, inst in enumerate(instances)
    ]
    doc = {
        "format": GOLDEN_FORMAT,
        "model_version": version,
        "tolerance": tolerance,
        "output": "probability" if task == "binary" else "value",
        "columns": list(preprocessor["output_columns"]),
        "rows": rows,
    }
    return doc, x
