"""The data profile printed before training: one line per field, and a warning for each
likely problem a user should look at before trusting the model.

- id-like: (nearly) one distinct value per row; an id as a feature memorizes rows and, as a
  category, makes one one-hot column per row (slow, and useless on new leads);
- constant: one value at most besides missing; it cannot help;
- possible leakage: the field alone predicts the target almost perfectly (single-feature
  ROC-AUC, or |correlation| for a regression target, above LEAKAGE_THRESHOLD); usually a
  column filled in after the outcome was known;
- another target: a numeric field whose name says it is an outcome (converted, revenue, ...).

`--strict` turns the warnings into an error (run.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from .config import snake_case
from .ingest import FieldSpec, IngestResult
from .transform import is_missing

ID_LIKE_RATIO = 0.95
MIN_ROWS_FOR_ID_CHECK = 20
LEAKAGE_THRESHOLD = 0.95
# Words that name an outcome rather than something known about a new lead.
TARGET_WORDS = re.compile(
    r"(^|_)(converted|conversion|target|label|outcome|won|lost|churn|churned|subscribed|"
    r"purchased|revenue|deal_value|closed|result|y)(_|$)"
)


@dataclass
class FieldProfile:
    spec: FieldSpec
    missing_share: float
    distinct: int
    # Single-feature ROC-AUC (binary) or |correlation| (regression); None when not computed.
    strength: float | None
    # Whole numbers only (numeric): ids are, continuous measurements unique per row are not.
    whole_numbers: bool


@dataclass
class DataProfile:
    rows: int
    task: str
    target: str
    positive_share: float | None
    fields: list[FieldProfile]
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The profile as the run prints it: the source column → field mapping included."""
        measure = "AUC alone" if self.task == "binary" else "|corr| alone"
        share = self.positive_share
        positive = f", {100 * share:.1f}% positive" if share is not None else ""
        names = [
            "(same)" if f.spec.name == f.spec.source_column else f.spec.name for f in self.fields
        ]
        src = max([len(f.spec.source_column) for f in self.fields] + [len("source column")])
        dst = max([len(n) for n in names] + [len("field")])
        out = [
            f"profile: {self.rows} rows, target {self.target!r} (task {self.task}{positive})",
            f"  {'source column':<{src}}  {'  field':<{dst + 2}}  type         missing  distinct  "
            f"{measure}",
        ]
        for f, name in zip(self.fields, names, strict=True):
            strength = "-" if f.strength is None else f"{f.strength:.3f}"
            out.append(
                f"  {f.spec.source_column:<{src}}  → {name:<{dst}}  {f.spec.type:<11} "
                f"{100 * f.missing_share:6.1f}%  {f.distinct:8d}  {strength}"
            )
        return out


def profile(data: IngestResult) -> DataProfile:
    n = len(data.frame)
    y = data.target
    fields = [_profile_field(data, f, y) for f in data.fields]
    positive = float(np.mean(y)) if data.task == "binary" else None
    result = DataProfile(n, data.task, data.target_name, positive, fields)
    for f in fields:
        result.warnings.extend(_warnings(f, n, data.task))
    return result


def _profile_field(data: IngestResult, f: FieldSpec, y: np.ndarray) -> FieldProfile:
    values = data.frame[f.name].tolist()
    present = [v for v in values if not is_missing(v, data.missing_values)]
    missing_share = 1 - len(present) / len(values) if values else 0.0
    distinct = len(set(present))
    strength = _single_feature_strength(values, f, data.missing_values, y, data.task)
    whole = f.type == "numeric" and all(float(v).is_integer() for v in present)
    return FieldProfile(f, missing_share, distinct, strength, whole)


def _single_feature_strength(
    values: list[Any], f: FieldSpec, missing_values: tuple[str, ...], y: np.ndarray, task: str
) -> float | None:
    """How well the field alone ranks the target: its values (numeric) or its in-sample
    target mean per value (categorical), with missing as a value of its own."""
    score = _score_vector(values, f, missing_values, y)
    if np.ptp(score) == 0 or np.ptp(y) == 0:
        return None
    if task == "binary":
        auc = float(roc_auc_score(y, score))
        return max(auc, 1.0 - auc)
    return float(abs(np.corrcoef(score, y)[0, 1]))


def _score_vector(
    values: list[Any], f: FieldSpec, missing_values: tuple[str, ...], y: np.ndarray
) -> np.ndarray:
    missing = [is_missing(v, missing_values) for v in values]
    if f.type == "numeric":
        present = [float(v) for v, m in zip(values, missing, strict=True) if not m]
        # Missing below every value: a column present only for one class shows as leakage.
        low = (min(present) - 1.0) if present else 0.0
        return np.asarray(
            [low if m else float(v) for v, m in zip(values, missing, strict=True)], dtype=float
        )
    keys = ["\0missing" if m else str(v) for v, m in zip(values, missing, strict=True)]
    sums: dict[str, list[float]] = {}
    for k, t in zip(keys, y.tolist(), strict=True):
        s = sums.setdefault(k, [0.0, 0.0])
        s[0] += t
        s[1] += 1
    return np.asarray([sums[k][0] / sums[k][1] for k in keys], dtype=float)


def _warnings(f: FieldProfile, rows: int, task: str) -> list[str]:
    column = f.spec.source_column
    out = []
    present = round(rows * (1 - f.missing_share))
    if (
        rows >= MIN_ROWS_FOR_ID_CHECK
        and present > 0
        and f.distinct >= ID_LIKE_RATIO * present
        and (f.spec.type == "categorical" or f.whole_numbers)
    ):
        out.append(
            f"column {column!r} looks like an id ({f.distinct} distinct values in {present} "
            "rows): drop it with --id-column"
        )
    elif f.strength is not None and f.strength > LEAKAGE_THRESHOLD:
        measure = "ROC-AUC" if task == "binary" else "|correlation|"
        out.append(
            f"column {column!r} alone predicts the target with {measure} {f.strength:.3f}: "
            "possible leakage (known only after the outcome?); drop it with --exclude"
        )
    if f.distinct <= 1:
        out.append(
            f"column {column!r} is constant ({f.distinct} value besides missing): "
            "drop it with --exclude"
        )
    if f.spec.type == "numeric" and TARGET_WORDS.search(snake_case(column)):
        out.append(
            f"column {column!r} is numeric and named like an outcome: another target? "
            "drop it with --exclude if it is not known when a lead is scored"
        )
    return out
