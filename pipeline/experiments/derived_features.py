"""Features a CRM can always send, derived from the lead data's own fields (candidates of the
model search; none of them is served yet).

Each is computed in float64 from the normalized frame (NaN = missing) with one IEEE operation
per value, so the service could reproduce it exactly; then, like every numeric field, a missing
value takes the training median and the column is standard-scaled and stored as float32
(preprocess.py), so the candidate differs from the default only by its extra columns.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

VISITS = "total_visits"
SECONDS = "total_time_spent_on_website"
PAGES_PER_VISIT = "page_views_per_visit"


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator where both are present and the denominator is positive, else
    missing (a lead with no visit has no time per visit)."""
    out = np.full(numerator.shape, np.nan)
    ok = ~np.isnan(numerator) & ~np.isnan(denominator) & (denominator > 0)
    out[ok] = numerator[ok] / denominator[ok]
    return out


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=np.float64)


def seconds_per_visit(frame: pd.DataFrame) -> np.ndarray:
    return _ratio(_column(frame, SECONDS), _column(frame, VISITS))


def total_page_views(frame: pd.DataFrame) -> np.ndarray:
    """Visits × pages per visit: how much of the site the lead read, not how often."""
    return _column(frame, VISITS) * _column(frame, PAGES_PER_VISIT)


def seconds_per_page_view(frame: pd.DataFrame) -> np.ndarray:
    return _ratio(_column(frame, SECONDS), total_page_views(frame))


def missing_count(frame: pd.DataFrame) -> np.ndarray:
    """How many of the raw fields are missing (absent, null or a sentinel such as "Select"): a
    lead who skipped the form is a different lead. Never missing itself."""
    return frame.isna().sum(axis=1).to_numpy(dtype=np.float64)


DerivedFeature = Callable[[pd.DataFrame], np.ndarray]

VISIT_RATIOS: dict[str, DerivedFeature] = {
    "seconds_per_visit": seconds_per_visit,
    "total_page_views": total_page_views,
    "seconds_per_page_view": seconds_per_page_view,
}
MISSING_COUNT: dict[str, DerivedFeature] = {"missing_count": missing_count}


def derived_columns(frame: pd.DataFrame, features: dict[str, DerivedFeature]) -> np.ndarray:
    """The derived columns of `frame` as the preprocessor would store them: the median for a
    missing value, then (x − mean) / scale (sklearn's StandardScaler: population sd, 1 for a
    constant column), in float64, stored as float32."""
    columns = []
    for feature in features.values():
        x = feature(frame)
        present = x[~np.isnan(x)]
        x = np.where(np.isnan(x), np.median(present) if present.size else 0.0, x)
        scale = float(x.std())
        columns.append((x - x.mean()) / (scale if scale > 0 else 1.0))
    width = len(columns)
    return np.column_stack(columns).astype(np.float32) if width else np.empty((len(frame), 0))
