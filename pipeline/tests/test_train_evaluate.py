from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.config import TrainConfig
from pipeline.evaluate import binary_metrics, evaluate, predict, regression_metrics
from pipeline.train import SEARCH_SPACE, TrainResult, train


@pytest.fixture(scope="module")
def xy() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 5)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(0, 0.5, 400) > 0).astype(np.float64)
    return x, y


def test_defaults_are_recorded_and_deterministic(xy) -> None:
    x, y = xy
    a = train(x, y, "binary", TrainConfig())
    b = train(x, y, "binary", TrainConfig())
    assert a.params == {
        "objective": "binary:logistic",
        "n_estimators": 100,
        "max_depth": 6,
        "learning_rate": 0.1,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "tree_method": "hist",
        "random_state": 42,
        "n_jobs": 2,
    }
    assert a.search is None
    assert np.array_equal(predict(a.model, x), predict(b.model, x))
    assert a.model.get_booster().num_boosted_rounds() == 100


def test_search_records_and_uses_its_choice(xy) -> None:
    x, y = xy
    result = train(x, y, "binary", TrainConfig(search_iterations=3, search_folds=2))
    assert result.search is not None and result.search["iterations"] == 3
    chosen = result.search["chosen"]
    assert set(chosen) == set(SEARCH_SPACE)
    for k, v in chosen.items():
        assert result.params[k] == v and isinstance(v, (int, float))
    assert result.model.get_booster().num_boosted_rounds() == chosen["n_estimators"]
    assert 0.5 < result.search["best_cv_score"] <= 1.0


def test_regression_objective_and_save_load(xy, tmp_path: Path) -> None:
    x, _ = xy
    y = 3.0 * x[:, 0] + 1.0
    result = train(x, y, "regression", TrainConfig(n_estimators=20))
    assert result.params["objective"] == "reg:squarederror"
    result.save(tmp_path)
    back = TrainResult.load(tmp_path)
    assert np.array_equal(predict(back.model, x), predict(result.model, x))
    metrics = evaluate(back.model, x, y, "regression")
    assert set(metrics) == {"rmse", "mae", "r2"} and metrics["r2"] > 0.9


def test_binary_metrics_by_hand() -> None:
    y = np.array([0, 0, 1, 1, 1], dtype=float)
    p = np.array([0.1, 0.6, 0.4, 0.8, 0.9], dtype=np.float32)
    m = binary_metrics(y, p, threshold=0.5)
    assert m["confusion_matrix"] == [[1, 1], [1, 2]]
    assert m["accuracy"] == pytest.approx(3 / 5)
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    assert m["roc_auc"] == pytest.approx(5 / 6)
    assert m["brier"] == pytest.approx(np.mean((p.astype(float) - y) ** 2), rel=1e-6)
    assert binary_metrics(y, p, threshold=0.95)["confusion_matrix"] == [[2, 0], [3, 0]]


def test_regression_metrics_by_hand() -> None:
    m = regression_metrics(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]))
    assert m["rmse"] == pytest.approx(np.sqrt(4 / 3)) and m["mae"] == pytest.approx(2 / 3)
    assert m["r2"] == pytest.approx(1 - 4 / 2)
