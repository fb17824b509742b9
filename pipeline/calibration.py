"""Is a score of 0.7 a 70 % chance? Measured on out-of-fold predictions of the training part.

CRMs show the probability, threshold it and sum it into forecasts, so its calibration matters
as much as its ranking. Out-of-fold predictions (each training row scored by the fold model
that did not see it, first repeat of cross_validate.py) stand in for new leads without using
the held-out split.

- reliability table: BINS equal-width score bins on [0, 1] (the last one closed), each with its
  rows, mean predicted probability and observed conversion rate;
- Brier score: mean squared difference between probability and outcome;
- expected calibration error (ECE): the rows-weighted mean of |mean predicted − observed| over
  the bins of that table.

Measured only: no calibrator is fitted or served yet.
"""

from __future__ import annotations

from typing import Any

import numpy as np

BINS = 10


def calibration_report(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """metadata.json's `calibration`."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, BINS + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, BINS - 1)
    table = []
    ece = 0.0
    for b in range(BINS):
        rows = which == b
        n = int(rows.sum())
        entry: dict[str, Any] = {"low": float(edges[b]), "high": float(edges[b + 1]), "rows": n}
        # An empty bin has no mean: null, and no weight in the ECE.
        entry["mean_predicted"] = float(p[rows].mean()) if n else None
        entry["observed_rate"] = float(y[rows].mean()) if n else None
        if n:
            ece += n / len(y) * abs(entry["mean_predicted"] - entry["observed_rate"])
        table.append(entry)
    return {
        "on": "out-of-fold predictions of the training part (first repeat: each row once)",
        "rows": len(y),
        "brier": float(np.mean((p - y) ** 2)),
        "ece": float(ece),
        "reliability": table,
    }
