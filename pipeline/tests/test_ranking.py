"""Lift, capture and precision at k %, and the gains curve, against a hand computation.

The hand-computed cases live in test/fixtures/ranking.json, which the monitoring job's
TypeScript implementation (src/monitoring/quality/ranking.ts) is tested against too: one
definition of the sales metrics, checked in both languages.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from pipeline.errors import PipelineError
from pipeline.ranking import gains_curve, held_out_ranking, ranking_metrics
from pipeline.tests.conftest import REPO

CASES: list[dict[str, Any]] = json.loads((REPO / "test" / "fixtures" / "ranking.json").read_text())[
    "cases"
]
TEN_LEADS = CASES[0]
# float32 as the model's scores are: ties must stay ties after the cast.
SCORES = np.array(TEN_LEADS["scores"], dtype=np.float32)
OUTCOMES = np.array(TEN_LEADS["outcomes"], dtype=np.float64)


def arrays(case: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array(case["outcomes"], dtype=np.float64),
        np.array(case["scores"], dtype=np.float32),
    )


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_lift_capture_and_precision_equal_the_hand_computation(case: dict[str, Any]) -> None:
    assert ranking_metrics(*arrays(case)) == pytest.approx(case["metrics"], rel=1e-12)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_gains_curve_equals_the_hand_computation(case: dict[str, Any]) -> None:
    curve = gains_curve(*arrays(case))
    points = dict(zip(curve["fraction_of_leads"], curve["capture"], strict=True))
    assert len(points) == 51
    for fraction, capture in case["gains"]:
        assert points[fraction] == pytest.approx(capture, rel=1e-12), fraction
    assert np.all(np.diff(curve["capture"]) >= 0)


def test_ties_make_the_figures_independent_of_row_order() -> None:
    order = np.random.default_rng(3).permutation(len(SCORES))
    assert ranking_metrics(OUTCOMES[order], SCORES[order]) == pytest.approx(
        ranking_metrics(OUTCOMES, SCORES)
    )
    assert gains_curve(OUTCOMES[order], SCORES[order]) == gains_curve(OUTCOMES, SCORES)


def test_a_perfect_score() -> None:
    y = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=np.float64)
    perfect = ranking_metrics(y, np.linspace(1.0, 0.1, 10))
    assert perfect["capture_at_20pct"] == pytest.approx(1.0)
    assert perfect["lift_at_20pct"] == pytest.approx(5.0)


def test_no_conversion_is_a_clear_error_and_regression_has_no_ranking() -> None:
    with pytest.raises(PipelineError, match="at least one conversion"):
        ranking_metrics(np.zeros(5), np.linspace(0, 1, 5))
    assert held_out_ranking("regression", OUTCOMES, SCORES) is None
    doc = held_out_ranking("binary", OUTCOMES, SCORES)
    assert doc is not None and doc["held_out"] == ranking_metrics(OUTCOMES, SCORES)
