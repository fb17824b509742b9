"""The model search's comparison (pipeline/experiments): a recipe with a really stronger signal
is kept, the same recipe with another seed is not, the folds are the pipeline's own, and every
figure is reproducible with a fixed seed. Generated data only; no ../shared needed."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.config import TrainConfig
from pipeline.cross_validate import cross_validate
from pipeline.experiments.derived_features import MISSING_COUNT, VISIT_RATIOS, derived_columns
from pipeline.experiments.fold_comparison import compare_per_fold, corrected_interval
from pipeline.experiments.recipes import (
    WIDE_SPACE,
    category_codes,
    default_params,
    fixed,
    nested_search,
    score_folds,
)
from pipeline.train import base_params

FOLDS, REPEATS, SEED = 5, 2, 3


@pytest.fixture(scope="module")
def leads() -> tuple[np.ndarray, np.ndarray]:
    """Column 0 is a weak signal, column 1 a strong one, the rest noise."""
    rng = np.random.default_rng(11)
    x = rng.normal(size=(800, 5)).astype(np.float32)
    score = 0.4 * x[:, 0] + 2.0 * x[:, 1] + rng.logistic(size=800)
    return x, (score > 0).astype(np.float64)


def _scores(x: np.ndarray, y: np.ndarray, seed: int = 42) -> list[float]:
    params = {**default_params(seed), "n_estimators": 30}
    return score_folds(fixed(params), x, y, folds=FOLDS, repeats=REPEATS, seed=SEED).aucs


def test_a_recipe_with_a_stronger_signal_is_kept(leads) -> None:
    x, y = leads
    without_signal = _scores(np.delete(x, 1, axis=1), y)
    comparison = compare_per_fold(_scores(x, y), without_signal, folds=FOLDS)
    assert comparison.kept, comparison.describe()
    assert comparison.interval[0] > comparison.margin


def test_the_same_recipe_with_another_seed_is_not_kept(leads) -> None:
    x, y = leads
    default, reseeded = _scores(x, y, seed=42), _scores(x, y, seed=7)
    assert default != reseeded  # another seed really is another model (subsample 0.8)
    for candidate, baseline in ((reseeded, default), (default, reseeded)):
        comparison = compare_per_fold(candidate, baseline, folds=FOLDS)
        assert not comparison.kept, comparison.describe()
        assert comparison.interval[0] < 0 < comparison.interval[1]


def test_the_folds_are_the_pipelines_own(leads) -> None:
    """The default recipe's fold AUCs are exactly cross_validate.py's for the same seed."""
    x, y = leads
    params = base_params("binary", TrainConfig(n_estimators=30, n_jobs=1))
    pipeline = cross_validate(
        x, y, "binary", params, folds=FOLDS, repeats=REPEATS, seed=SEED, threshold=0.5
    )
    assert pipeline is not None
    assert _scores(x, y) == pipeline.summary["metrics"]["roc_auc"]["folds"]


def test_fold_scores_and_a_nested_search_are_reproducible_with_a_fixed_seed(leads) -> None:
    x, y = leads[0][:300], leads[1][:300]
    search = nested_search({**default_params(), "n_estimators": 20}, WIDE_SPACE, 3, 2, seed=5)
    small = {"n_estimators": 20}

    def run():
        return score_folds(search, x, y, folds=3, repeats=1, seed=SEED, extra=small)

    first, second = run(), run()
    assert first == second
    assert len(first.aucs) == 3 and len({str(c) for c in first.chosen}) >= 1


def test_the_interval_is_the_corrected_resampled_t_interval() -> None:
    # mean 0.02, sample variance 1e-4, three folds of a 5-fold (n_test / n_train = 1/4):
    # half-width t(2, 0.975) · sqrt((1/3 + 1/4) · 1e-4), t = 4.30265273 (tables).
    low, high = corrected_interval([0.01, 0.02, 0.03], 0.25)
    half = 4.30265273 * math.sqrt((1 / 3 + 1 / 4) * 1e-4)
    assert low == pytest.approx(0.02 - half, abs=1e-9)
    assert high == pytest.approx(0.02 + half, abs=1e-9)


def test_a_candidate_is_kept_only_when_the_whole_interval_clears_the_margin() -> None:
    baseline = [0.80] * 10
    clear = compare_per_fold([0.82, 0.821, 0.819, 0.82, 0.82] * 2, baseline, folds=5)
    assert clear.kept and clear.interval[0] > 0.005
    # Better on average by more than the margin, but the interval reaches below it.
    noisy = compare_per_fold([0.79, 0.84, 0.80, 0.83, 0.81] * 2, baseline, folds=5)
    assert noisy.mean_difference > 0.005 and not noisy.kept


def test_derived_features_treat_no_visit_as_missing_and_count_missing_fields() -> None:
    frame = pd.DataFrame(
        {
            "total_visits": [2.0, 0.0, np.nan, 4.0],
            "total_time_spent_on_website": [100.0, 0.0, 30.0, 400.0],
            "page_views_per_visit": [2.0, 0.0, 1.0, np.nan],
            "city": ["Mumbai", np.nan, np.nan, "Thane"],
        }
    )
    per_visit = VISIT_RATIOS["seconds_per_visit"](frame)
    assert per_visit[[0, 3]].tolist() == [50.0, 100.0] and np.isnan(per_visit[[1, 2]]).all()
    assert MISSING_COUNT["missing_count"](frame).tolist() == [0.0, 1.0, 2.0, 1.0]
    # Missing → the median of the present ratios (75), then standard scaling, as float32.
    column = derived_columns(frame, {"seconds_per_visit": VISIT_RATIOS["seconds_per_visit"]})
    filled = np.array([50.0, 75.0, 75.0, 100.0])
    assert (
        column[:, 0].tolist()
        == ((filled - filled.mean()) / filled.std()).astype(np.float32).tolist()
    )


def test_category_codes_turn_each_one_hot_block_into_one_column() -> None:
    preprocessor = {
        "fields": [
            {
                "name": "city",
                "type": "categorical",
                "categories": ["A", "B", "missing"],
                "output_offset": 1,
            },
            {"name": "visits", "type": "numeric", "output_index": 0},
        ]
    }
    x = np.array([[0.5, 0, 1, 0], [-1.0, 0, 0, 1], [2.0, 0, 0, 0]], dtype=np.float32)
    codes = category_codes(preprocessor, x)
    assert codes[:, 0].tolist() == [0.5, -1.0, 2.0]  # numeric columns first, as they are
    assert codes[:2, 1].tolist() == [1.0, 2.0]  # "B", the missing marker
    assert np.isnan(codes[2, 1])  # an all-zero block (an unseen category) is missing
