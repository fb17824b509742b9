"""Candidate recipes of the model search: a feature matrix and a way to choose XGBoost's
parameters from a fold's training rows, scored on the same repeated folds as
pipeline/cross_validate.py.

A recipe that searches its parameters does so inside each outer fold (nested selection): an
inner stratified k-fold of that fold's training rows picks the best of a fixed, seeded list of
draws, which is then refitted on those rows and scored on the outer fold it never saw. The
reported figure is therefore the honest score of "search, then train", not the best of many
draws scored on the rows that chose it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.stats import loguniform, randint, uniform
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import ParameterSampler, StratifiedKFold

from ..config import TrainConfig
from ..cross_validate import fold_splitter
from ..preprocess import PreprocessResult
from ..train import base_params, fit
from .derived_features import MISSING_COUNT, VISIT_RATIOS, DerivedFeature, derived_columns

Params = dict[str, Any]
# A fold's training rows and the matrix's constant parameters → the parameters to train on them.
Chooser = Callable[[np.ndarray, np.ndarray, Params], Params]

# Wider than train.SEARCH_SPACE (more, slower trees; stronger regularization), since the nested
# search can afford it and the question is whether *any* setting beats the default.
WIDE_SPACE: dict[str, Any] = {
    "n_estimators": randint(100, 801),
    "max_depth": randint(2, 9),
    "learning_rate": loguniform(0.01, 0.2),
    "subsample": uniform(0.5, 0.5),
    "colsample_bytree": uniform(0.3, 0.7),
    "min_child_weight": loguniform(0.5, 20.0),
    "reg_lambda": loguniform(0.1, 20.0),
    "gamma": uniform(0.0, 1.0),
}


def default_params(seed: int = 42) -> Params:
    """Today's default (pipeline/config.py), on one thread: the same trees as the default two
    (checked: identical fold AUCs), and a fairer share of the machine."""
    return base_params("binary", TrainConfig(seed=seed, n_jobs=1))


def fit_predict(params: Params, x: np.ndarray, y: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    # predict_proba, not evaluate.predict: a plain DMatrix would read category codes as numbers.
    return fit(x, y, params).predict_proba(x_test)[:, 1]


def repeated_folds(
    y: np.ndarray, folds: int, repeats: int, seed: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Exactly cross_validate.py's folds: its splitter, same seed, same order."""
    return fold_splitter("binary", folds, repeats, seed).split(np.zeros(len(y)), y)


def fixed(params: Params) -> Chooser:
    return lambda _x, _y, extra: {**params, **extra}


def nested_search(
    base: Params, space: dict[str, Any], iterations: int, inner_folds: int, seed: int
) -> Chooser:
    """The best of `iterations` seeded draws by mean inner-fold ROC-AUC on the rows given."""
    draws = [
        {k: v.item() if isinstance(v, np.generic) else v for k, v in d.items()}
        for d in ParameterSampler(space, iterations, random_state=seed)
    ]

    def choose(x: np.ndarray, y: np.ndarray, extra: Params) -> Params:
        inner = StratifiedKFold(inner_folds, shuffle=True, random_state=seed)
        splits = list(inner.split(x, y))
        scores = [
            np.mean(
                [
                    roc_auc_score(y[te], fit_predict({**base, **d, **extra}, x[tr], y[tr], x[te]))
                    for tr, te in splits
                ]
            )
            for d in draws
        ]
        return {**base, **draws[int(np.argmax(scores))], **extra}

    return choose


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    matrix: Callable[[PreprocessResult], np.ndarray]
    choose: Chooser
    # Constant extra parameters that depend on the matrix (e.g. XGBoost's feature_types).
    matrix_params: Callable[[PreprocessResult], Params] = field(default=lambda _p: {})


@dataclass(frozen=True)
class FoldScores:
    aucs: list[float]
    chosen: list[Params]  # the parameters trained on each outer fold


def score_folds(
    choose: Chooser,
    x: np.ndarray,
    y: np.ndarray,
    *,
    folds: int,
    repeats: int,
    seed: int,
    extra: Params | None = None,
) -> FoldScores:
    """ROC-AUC on each of the repeated folds of (x, y), each fold trained with the parameters
    `choose` picks from its training rows (plus `extra`, constant ones)."""
    extra = extra or {}
    aucs, chosen = [], []
    for train_rows, test_rows in repeated_folds(y, folds, repeats, seed):
        params = choose(x[train_rows], y[train_rows], extra)
        p = fit_predict(params, x[train_rows], y[train_rows], x[test_rows])
        aucs.append(float(roc_auc_score(y[test_rows], p)))
        chosen.append({k: v for k, v in params.items() if k not in extra})
    return FoldScores(aucs=aucs, chosen=chosen)


def score_recipe(
    recipe: Recipe, prep: PreprocessResult, *, folds: int, repeats: int, seed: int
) -> FoldScores:
    """The recipe on the training part of a preprocessed run."""
    return score_folds(
        recipe.choose,
        recipe.matrix(prep),
        prep.y_train,
        folds=folds,
        repeats=repeats,
        seed=seed,
        extra=recipe.matrix_params(prep),
    )


def with_derived(features: dict[str, DerivedFeature]) -> Callable[[PreprocessResult], np.ndarray]:
    return lambda prep: np.hstack([prep.x_train, derived_columns(prep.train_frame, features)])


def category_codes(preprocessor: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """The preprocessed rows `x` with each categorical field's one-hot block turned into one
    column holding the index of its category in preprocessor.json (the missing marker is one
    of them; an all-zero block, an unseen category, becomes NaN), numeric columns first."""
    fields = preprocessor["fields"]
    numeric = [f["output_index"] for f in fields if f["type"] == "numeric"]
    columns = [x[:, numeric]]
    for f in fields:
        if f["type"] == "categorical":
            block = x[:, f["output_offset"] : f["output_offset"] + len(f["categories"])]
            codes = np.argmax(block, axis=1).astype(np.float32)
            codes[block.max(axis=1) == 0] = np.nan
            columns.append(codes[:, None])
    return np.hstack(columns).astype(np.float32)


def category_code_matrix(prep: PreprocessResult) -> np.ndarray:
    return category_codes(prep.preprocessor, prep.x_train)


def categorical_types(prep: PreprocessResult) -> Params:
    fields = prep.preprocessor["fields"]
    numeric = ["q" for f in fields if f["type"] == "numeric"]
    categorical = ["c" for f in fields if f["type"] == "categorical"]
    return {"enable_categorical": True, "feature_types": numeric + categorical}


def recipes(seed: int, iterations: int, inner_folds: int) -> list[Recipe]:
    """Every recipe tried, the default first (the others are compared with it)."""
    default = default_params(seed)
    ratios_and_count = {**VISIT_RATIOS, **MISSING_COUNT}
    search = nested_search(default, WIDE_SPACE, iterations, inner_folds, seed)
    one_hot = lambda prep: prep.x_train  # noqa: E731 - the default matrix
    return [
        Recipe(
            "default", "today's default: config.py's parameters, one-hot", one_hot, fixed(default)
        ),
        Recipe(
            "default, seed 7",
            "the same recipe with another training seed: what noise looks like",
            one_hot,
            fixed(default_params(7)),
        ),
        Recipe(
            "visit ratios",
            "+ seconds per visit, total page views, seconds per page view",
            with_derived(VISIT_RATIOS),
            fixed(default),
        ),
        Recipe(
            "missing count",
            "+ how many raw fields are missing",
            with_derived(MISSING_COUNT),
            fixed(default),
        ),
        Recipe(
            "visit ratios + missing count",
            "both of the above",
            with_derived(ratios_and_count),
            fixed(default),
        ),
        Recipe(
            "native categorical",
            "one column of category codes per field, enable_categorical (max_cat_to_onehot 4)",
            category_code_matrix,
            fixed(default),
            categorical_types,
        ),
        Recipe(
            "nested search",
            f"the best of {iterations} seeded draws of a wide space by inner {inner_folds}-fold",
            one_hot,
            search,
        ),
        Recipe(
            "nested search, native categorical",
            "the same search on the category-code matrix",
            category_code_matrix,
            search,
            categorical_types,
        ),
        Recipe(
            "nested search + visit ratios + missing count",
            "the same search on the matrix with the derived features",
            with_derived(ratios_and_count),
            search,
        ),
    ]
