"""What the service needs to know about the training data: request schema, drift baselines,
and the reference values explanations are relative to. All from the training split only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .transform import PREPROCESSOR_FORMATS

N_BINS = 10


def request_schema(
    preprocessor: Mapping[str, Any], descriptions: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Each raw field's JSON type; every field is nullable because missing is always imputed.
    A categorical's categories are what a client can send: from v2 on, not the missing marker.
    `display_name` is the source column (the CRM's own label: "Total Time Spent on Website"),
    `description` one line from `descriptions` (field name → text) when there is one."""
    marker_is_category = preprocessor["format"] == PREPROCESSOR_FORMATS[0]
    fields = []
    for f in preprocessor["fields"]:
        field: dict[str, Any] = {"name": f["name"], "nullable": True}
        if f["type"] == "numeric":
            field["type"] = "number"
        else:
            field["type"] = "string"
            field["categories"] = [
                c for c in f["categories"] if marker_is_category or c != f["fill_value"]
            ]
        field["display_name"] = f["source_column"]
        description = (descriptions or {}).get(f["name"])
        if description:
            field["description"] = description
        fields.append(field)
    return {"fields": fields}


def numeric_baseline(values: np.ndarray) -> dict[str, Any]:
    """Decile bin edges of the present training values and the share of values in each bin.

    Bins are [e0, e1), [e1, e2), ..., [e_{k-1}, e_k] (numpy.histogram's rule, last bin closed);
    a live value outside [e0, e_k] belongs to the nearest end bin. missing_fraction is the share
    of training values that were missing (they are not in the bins).
    """
    present = values[~np.isnan(values)]
    missing_fraction = 1.0 - len(present) / len(values) if len(values) else 0.0
    if len(present) == 0:
        return {"type": "numeric", "bin_edges": [], "frequencies": [], "missing_fraction": 1.0}
    edges = np.unique(np.quantile(present, np.linspace(0.0, 1.0, N_BINS + 1)))
    if len(edges) == 1:  # constant column: one closed bin [v, v]
        edges = np.array([edges[0], edges[0]])
        counts = np.array([len(present)])
    else:
        counts, _ = np.histogram(present, bins=edges)
    return {
        "type": "numeric",
        "bin_edges": [float(e) for e in edges],
        "frequencies": [float(c) / len(present) for c in counts],
        "missing_fraction": float(missing_fraction),
    }


def score_baseline(predictions: np.ndarray) -> dict[str, Any]:
    """The held-out predictions' histogram, binned as a numeric field (decile edges)."""
    return numeric_baseline(np.asarray(predictions, dtype=np.float64))


def categorical_baseline(values: pd.Series, categories: list[str], fill: str) -> dict[str, Any]:
    """Share of each known category after imputation; "missing" is always listed."""
    filled = values.where(values.notna(), fill)
    counts = filled.value_counts()
    total = len(filled)
    keys = list(categories) + ([fill] if fill not in categories else [])
    return {
        "type": "categorical",
        "frequencies": {k: float(counts.get(k, 0)) / total if total else 0.0 for k in keys},
    }


def training_profile(
    train_frame: pd.DataFrame, preprocessor: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(baselines, explain_baseline) per raw field, from the normalized training split."""
    baselines: dict[str, Any] = {}
    explain: dict[str, Any] = {}
    for f in preprocessor["fields"]:
        column = train_frame[f["name"]]
        if f["type"] == "numeric":
            baselines[f["name"]] = numeric_baseline(column.to_numpy(dtype=np.float64))
            explain[f["name"]] = f["fill_value"]  # the training median
        else:
            b = categorical_baseline(column, f["categories"], f["fill_value"])
            baselines[f["name"]] = b
            freqs = b["frequencies"]
            # Most frequent category as the model sees it (may be "missing"); ties → first sorted.
            explain[f["name"]] = max(sorted(freqs), key=lambda k: freqs[k])
    return baselines, explain
