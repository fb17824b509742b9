"""The calibrator: sklearn's function exactly, the nested rule, and the version's files."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression

from pipeline import calibrator as cal
from pipeline.calibration_choice import check_request, choose
from pipeline.errors import PipelineError


def miscalibrated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores that rank well but are too high: the true rate is score³."""
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    return (rng.random(n) < p**3).astype(np.float64), p


def folds(n: int, k: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).permutation(np.arange(n) % k)


def test_isotonic_apply_is_sklearns_predict_on_the_edges() -> None:
    # Ties in the training scores (0.2 three times, 0.7 twice) and a flat stretch.
    p = np.array([0.1, 0.2, 0.2, 0.2, 0.35, 0.5, 0.7, 0.7, 0.8, 0.9])
    y = np.array([0, 0, 1, 0, 0, 1, 1, 0, 1, 1], dtype=np.float64)
    table = cal.fit_isotonic(y, p)
    sk = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(p, y)
    x = np.asarray(table["x"])
    probe = np.concatenate(
        [
            [0.0, 0.05, np.nextafter(x[0], 0), 1.0, 0.95, np.nextafter(x[-1], 1)],  # outside
            x,  # exactly on every threshold
            np.nextafter(x, 0),
            np.nextafter(x, 1),
            (x[:-1] + x[1:]) / 2,  # between thresholds
            np.float32([0.2, 0.7, 0.33]).astype(np.float64),  # as the trees' float32 gives them
        ]
    )
    assert np.array_equal(cal.apply(table, probe), sk.predict(probe))
    assert cal.apply(table, np.array([0.0]))[0] == table["y"][0]  # clipped, not extrapolated
    assert cal.apply(table, np.array([1.0]))[0] == table["y"][-1]
    assert all(b > a for a, b in itertools.pairwise(table["x"]))


def test_a_constant_isotonic_table_has_one_threshold() -> None:
    table = cal.fit_isotonic(np.array([0.0, 1.0]), np.array([0.4, 0.4]))
    assert (table["x"], table["y"]) == ([0.4], [0.5])
    assert cal.apply(table, np.array([0.0, 0.4, 1.0])).tolist() == [0.5, 0.5, 0.5]


def test_platt_is_increasing_and_refused_when_it_would_not_be() -> None:
    y, p = miscalibrated(4000, 1)
    table = cal.fit_platt(y, p)
    assert table is not None and table["a"] > 0
    q = cal.apply(table, np.linspace(0, 1, 101))
    assert np.all(np.diff(q) > 0)
    # Scores that rank backwards: no increasing map fits them.
    assert cal.fit_platt(1 - y, p) is None


def test_the_rule_adopts_a_calibrator_when_it_helps_and_is_reproducible() -> None:
    y, p = miscalibrated(3000, 2)
    fold_of = folds(len(y), 5, 2)
    first = choose("auto", y, p, fold_of)
    again = choose("auto", y, p, fold_of)
    assert first.summary == again.summary and first.table == again.table
    chosen = first.summary
    assert chosen["method"] in cal.METHODS and first.table is not None
    assert chosen["after"]["brier"] < chosen["before"]["brier"]
    assert chosen["candidates"][chosen["method"]]["folds_better"] >= 3
    # The stored table is fitted on all rows; the "after" figures are nested (never on-sample).
    assert first.table == cal.fit(chosen["method"], y, p)


def test_the_rule_keeps_calibrated_scores_as_they_are() -> None:
    rng = np.random.default_rng(3)
    p = rng.random(3000)
    y = (rng.random(3000) < p).astype(np.float64)
    chosen = choose("auto", y, p, folds(len(y), 5, 3))
    assert chosen.table is None and chosen.summary["method"] is None
    assert chosen.summary["after"] is None
    assert "no calibrator lowers" in chosen.summary["reason"]


def test_forced_choices() -> None:
    y, p = miscalibrated(1000, 4)
    fold_of = folds(len(y), 5, 4)
    none = choose("none", y, p, fold_of)
    assert none.table is None and none.summary["candidates"] == {}
    platt = choose("platt", y, p, fold_of, held_out=(y[:200], p[:200]))
    assert platt.table is not None and platt.table["method"] == "platt"
    assert set(platt.summary["candidates"]) == {"platt"}
    held_out = platt.summary["held_out"]
    assert held_out["after"]["brier"] < held_out["before"]["brier"]


def test_an_unknown_method_is_an_error() -> None:
    with pytest.raises(PipelineError, match="unknown calibration method"):
        cal.fit("beta", np.array([0.0, 1.0]), np.array([0.2, 0.8]))


def test_a_forced_calibrator_needs_a_binary_target_and_folds() -> None:
    check_request("auto", "regression", 0)  # auto and none ask for nothing
    check_request("none", "binary", 0)
    check_request("isotonic", "binary", 1)
    with pytest.raises(PipelineError, match="needs a binary target"):
        check_request("platt", "regression", 2)
    with pytest.raises(PipelineError, match="needs --eval-repeats 1 or more"):
        check_request("isotonic", "binary", 0)
    with pytest.raises(PipelineError, match="one of auto, isotonic, platt, none"):
        check_request("beta", "binary", 2)
