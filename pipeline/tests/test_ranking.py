"""Lift, capture and precision at k %, and the gains curve, against a hand computation."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import PipelineError
from pipeline.ranking import gains_curve, held_out_ranking, ranking_metrics

# Ten leads, four conversions (base rate 0.4), with two groups of tied scores: 0.8 (one of two
# converts) and 0.5 (one of three converts).
SCORES = np.array([0.9, 0.8, 0.8, 0.7, 0.6, 0.5, 0.5, 0.5, 0.2, 0.1], dtype=np.float32)
OUTCOMES = np.array([1, 1, 0, 1, 0, 1, 0, 0, 0, 0], dtype=np.float64)


def test_lift_capture_and_precision_equal_the_hand_computation() -> None:
    m = ranking_metrics(OUTCOMES, SCORES)
    # Top 5 % = half a lead, counted pro rata: half of the best lead's conversion.
    assert m["capture_at_5pct"] == pytest.approx(0.5 / 4)
    assert m["precision_at_5pct"] == pytest.approx(1.0)
    assert m["lift_at_5pct"] == pytest.approx(1.0 / 0.4)
    # Top 10 % = the best lead, who converted.
    assert m["capture_at_10pct"] == pytest.approx(1 / 4)
    assert m["lift_at_10pct"] == pytest.approx(2.5)
    # Top 20 % = the best lead + one of the two tied at 0.8, at their rate 1/2: 1.5 conversions.
    assert m["capture_at_20pct"] == pytest.approx(1.5 / 4)
    assert m["precision_at_20pct"] == pytest.approx(1.5 / 2)
    assert m["lift_at_20pct"] == pytest.approx(0.75 / 0.4)
    # Top 30 % = the first three leads: 2 conversions.
    assert m["capture_at_30pct"] == pytest.approx(2 / 4)
    assert m["precision_at_30pct"] == pytest.approx(2 / 3)
    assert m["lift_at_30pct"] == pytest.approx((2 / 3) / 0.4)


def test_ties_make_the_figures_independent_of_row_order() -> None:
    order = np.random.default_rng(3).permutation(len(SCORES))
    assert ranking_metrics(OUTCOMES[order], SCORES[order]) == pytest.approx(
        ranking_metrics(OUTCOMES, SCORES)
    )
    assert gains_curve(OUTCOMES[order], SCORES[order]) == gains_curve(OUTCOMES, SCORES)


def test_gains_curve_by_hand() -> None:
    curve = gains_curve(OUTCOMES, SCORES)
    points = dict(zip(curve["fraction_of_leads"], curve["capture"], strict=True))
    assert len(points) == 51 and points[0.0] == 0.0 and points[1.0] == pytest.approx(1.0)
    # 60 % = 6 leads: the first five hold 3 conversions, then one of the three tied at 0.5.
    assert points[0.6] == pytest.approx((3 + 1 / 3) / 4)
    assert points[0.8] == pytest.approx(1.0)
    assert np.all(np.diff(curve["capture"]) >= 0)


def test_a_perfect_and_a_constant_score() -> None:
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=np.float64)
    perfect = ranking_metrics(y, np.linspace(1.0, 0.1, 10))
    assert perfect["capture_at_20pct"] == pytest.approx(1.0)
    assert perfect["lift_at_20pct"] == pytest.approx(5.0)
    # Every lead tied: calling any share of them is calling at random (lift 1).
    flat = ranking_metrics(y, np.full(10, 0.3))
    for k in (5, 10, 20, 30):
        assert flat[f"lift_at_{k}pct"] == pytest.approx(1.0)


def test_no_conversion_is_a_clear_error_and_regression_has_no_ranking() -> None:
    with pytest.raises(PipelineError, match="at least one conversion"):
        ranking_metrics(np.zeros(5), np.linspace(0, 1, 5))
    assert held_out_ranking("regression", OUTCOMES, SCORES) is None
    doc = held_out_ranking("binary", OUTCOMES, SCORES)
    assert doc is not None and doc["held_out"] == ranking_metrics(OUTCOMES, SCORES)
