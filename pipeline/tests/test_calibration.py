"""Reliability table, Brier score and ECE against a hand computation."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.calibration import calibration_report


def test_reliability_brier_and_ece_by_hand() -> None:
    p = np.array([0.05, 0.15, 0.15, 0.55, 0.95, 1.0])
    y = np.array([0, 0, 1, 1, 1, 1], dtype=np.float64)
    report = calibration_report(y, p)
    bins = {round(b["low"], 1): b for b in report["reliability"]}
    assert len(bins) == 10 and report["rows"] == 6
    assert bins[0.0] == {
        "low": 0.0, "high": 0.1, "rows": 1, "mean_predicted": 0.05, "observed_rate": 0.0
    }  # fmt: skip
    assert (bins[0.1]["rows"], bins[0.1]["observed_rate"]) == (2, 0.5)
    assert bins[0.2]["rows"] == 0 and bins[0.2]["mean_predicted"] is None
    # 1.0 belongs to the last bin, which is closed on the right.
    assert bins[0.9]["rows"] == 2 and bins[0.9]["mean_predicted"] == pytest.approx(0.975)
    assert report["brier"] == pytest.approx(np.mean((p - y) ** 2))
    # Rows-weighted |mean predicted − observed| over the non-empty bins.
    ece = (1 * 0.05 + 2 * abs(0.15 - 0.5) + 1 * abs(0.55 - 1) + 2 * abs(0.975 - 1)) / 6
    assert report["ece"] == pytest.approx(ece)


def test_a_calibrated_score_has_a_small_ece() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(20000)
    y = (rng.random(20000) < p).astype(np.float64)
    assert calibration_report(y, p)["ece"] < 0.02
    assert calibration_report(y, p**3)["ece"] > 0.1  # the same ranking, not calibrated
