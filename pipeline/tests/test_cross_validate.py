"""Repeated stratified k-fold on the training part: reproducible with a fixed seed, one value
per fold for every scalar metric."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.config import TrainConfig
from pipeline.cross_validate import cross_validate
from pipeline.errors import PipelineError
from pipeline.train import base_params


@pytest.fixture(scope="module")
def xy() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 4)).astype(np.float32)
    y = (x[:, 0] + rng.normal(0, 0.8, 300) > 0.3).astype(np.float64)
    return x, y


def _cv(xy, task: str = "binary", seed: int = 7, **kw):
    x, y = xy
    params = base_params(task, TrainConfig(n_estimators=20, seed=seed))
    done = cross_validate(
        x,
        y,
        task,
        params,
        folds=kw.get("folds", 3),
        repeats=kw.get("repeats", 2),
        seed=seed,
        threshold=0.5,
    )
    return done.summary if done else None


def test_fold_metrics_are_reproducible_with_a_fixed_seed(xy) -> None:
    a, b = _cv(xy), _cv(xy)
    assert a == b
    assert a is not None and a["folds"] == 3 and a["repeats"] == 2 and a["rows"] == 300
    auc = a["metrics"]["roc_auc"]
    assert len(auc["folds"]) == 6
    assert auc["mean"] == pytest.approx(np.mean(auc["folds"]))
    assert auc["sd"] == pytest.approx(np.std(auc["folds"], ddof=1))
    # Another seed shuffles other folds: the per-fold values change.
    assert _cv(xy, seed=8)["metrics"]["roc_auc"]["folds"] != auc["folds"]


def test_every_scalar_metric_has_fold_values(xy) -> None:
    metrics = _cv(xy)["metrics"]
    for name in (
        "roc_auc",
        "pr_auc",
        "log_loss",
        "brier",
        "f1",
        "lift_at_10pct",
        "capture_at_20pct",
        "precision_at_30pct",
    ):
        assert len(metrics[name]["folds"]) == 6, name
    assert "threshold" not in metrics and "confusion_matrix" not in metrics
    x, _ = xy
    regression = _cv((x, 2.0 * x[:, 0]), task="regression")["metrics"]
    assert set(regression) == {"rmse", "mae", "r2"}


def test_out_of_fold_predictions_score_each_row_once(xy) -> None:
    x, y = xy
    params = base_params("binary", TrainConfig(n_estimators=20, seed=7))
    done = cross_validate(x, y, "binary", params, folds=3, repeats=2, seed=7, threshold=0.5)
    assert done is not None and done.out_of_fold.shape == (300,)
    assert np.all((done.out_of_fold > 0) & (done.out_of_fold < 1))
    # Better than chance on rows their model never saw (x0 drives y).
    assert np.mean(done.out_of_fold[y == 1]) > np.mean(done.out_of_fold[y == 0])


def test_off_and_bad_settings(xy) -> None:
    assert _cv(xy, repeats=0) is None
    with pytest.raises(PipelineError, match="--eval-folds must be at least 2"):
        _cv(xy, folds=1)
    x, _ = xy
    with pytest.raises(PipelineError, match="the smaller class has 2"):
        _cv((x[:20], np.r_[np.ones(2), np.zeros(18)]), folds=5)
