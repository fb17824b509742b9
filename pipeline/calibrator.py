"""The calibrator the service applies after the trees: fitted, and applied, here.

A monotone map from the trees' probability to a calibrated one, stored in the version as
calibration.json (docs/artifacts.md). Two kinds:

- isotonic: sklearn's IsotonicRegression(out_of_bounds="clip") on the out-of-fold predictions;
  the table is its thresholds (`x`, strictly increasing) and values (`y`). Its predict is
  np.interp over them after clipping to [x0, x_last] (scipy's interp1d delegates to np.interp for
  1-D float64 data); `apply` says so and is checked against sklearn's predict at fit time. The
  service reproduces np.interp operation for operation: j = the last threshold ≤ p; y[j] when
  p is on it (or j is the last), else slope_j · (p − x_j) + y_j with slope_j = (y_{j+1} − y_j) /
  (x_{j+1} − x_j), so it answers the same float64.
- platt: a logistic regression on the trees' margin, logit(p) with p clipped to
  [EPSILON, 1 − EPSILON]: sigmoid(a · logit(p) + b), a > 0 so that it is increasing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from .errors import PipelineError

CALIBRATION_FORMAT = "lead-scoring-calibration/v1"
METHODS = ("isotonic", "platt")
# --calibration: auto lets the nested rule (calibration_choice.py) decide.
CHOICES = ("auto", *METHODS, "none")
# Probabilities are clipped this far from 0 and 1 before taking log-odds: float32 probabilities
# of large margins are exactly 0 or 1 (the service's sampled Shapley clips the same way).
EPSILON = 1e-7


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), EPSILON, 1 - EPSILON)
    return np.log(q / (1 - q))


def fit_isotonic(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    model = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0, increasing=True)
    p64 = np.asarray(p, dtype=np.float64)
    model.fit(p64, np.asarray(y, dtype=np.float64))
    table = {
        "format": CALIBRATION_FORMAT,
        "method": "isotonic",
        "x": [float(v) for v in model.X_thresholds_],
        "y": [float(v) for v in model.y_thresholds_],
    }
    # The served function is `apply`: it must be sklearn's, bit for bit, on what it was fitted
    # on and on the edges (below, above, on each threshold).
    probe = np.concatenate([p64, model.X_thresholds_, [0.0, 1.0]])
    if not np.array_equal(apply(table, probe), model.predict(probe)):
        raise PipelineError("internal: the isotonic table does not reproduce sklearn's predict")
    return table


def fit_platt(y: np.ndarray, p: np.ndarray) -> dict[str, Any] | None:
    """None when the fitted slope is not positive: no increasing map, nothing to serve."""
    # A large C: Platt's method is the plain maximum-likelihood fit of two numbers.
    model = LogisticRegression(C=1e6, max_iter=1000)
    model.fit(_logit(p)[:, None], np.asarray(y, dtype=np.int64))
    a, b = float(model.coef_[0, 0]), float(model.intercept_[0])
    if not a > 0:
        return None
    return {"format": CALIBRATION_FORMAT, "method": "platt", "a": a, "b": b}


def fit(method: str, y: np.ndarray, p: np.ndarray) -> dict[str, Any] | None:
    if method == "isotonic":
        return fit_isotonic(y, p)
    if method == "platt":
        return fit_platt(y, p)
    raise PipelineError(f"unknown calibration method {method!r} (one of {', '.join(METHODS)})")


def apply(table: Mapping[str, Any], p: np.ndarray) -> np.ndarray:
    """The calibrated probability of each trees' probability in `p` (float64)."""
    v = np.asarray(p, dtype=np.float64)
    if table["method"] == "platt":
        return 1.0 / (1.0 + np.exp(-(table["a"] * _logit(v) + table["b"])))
    x = np.asarray(table["x"], dtype=np.float64)
    y = np.asarray(table["y"], dtype=np.float64)
    return np.interp(np.clip(v, x[0], x[-1]), x, y)
