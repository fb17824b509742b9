"""Stage 3, train: an XGBoost model on the preprocessed float32 matrix.

binary:logistic for a 0/1 target, reg:squarederror otherwise (a probability target is a
regression on [0, 1]). An optional randomized search with k-fold CV picks the parameters;
whatever is finally trained is what metadata.json records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb
from scipy.stats import loguniform, randint, uniform
from sklearn.model_selection import KFold, RandomizedSearchCV, StratifiedKFold

from .config import TrainConfig
from .errors import PipelineError

OBJECTIVES = {"binary": "binary:logistic", "regression": "reg:squarederror"}

# Wide enough to matter, narrow enough that a budget of ~20 draws finds something sensible.
SEARCH_SPACE: dict[str, Any] = {
    "n_estimators": randint(50, 401),
    "max_depth": randint(2, 9),
    "learning_rate": loguniform(0.02, 0.3),
    "subsample": uniform(0.6, 0.4),
    "colsample_bytree": uniform(0.5, 0.5),
    "min_child_weight": loguniform(0.5, 10.0),
    "reg_lambda": loguniform(0.1, 10.0),
}


@dataclass
class TrainResult:
    model: xgb.XGBModel
    params: dict[str, Any]
    search: dict[str, Any] | None

    def save(self, directory: str | Path) -> None:
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        self.model.save_model(d / "xgboost.json")
        (d / "train.json").write_text(json.dumps({"params": self.params, "search": self.search}))

    @classmethod
    def load(cls, directory: str | Path) -> TrainResult:
        d = Path(directory)
        doc = json.loads((d / "train.json").read_text())
        model = _estimator(doc["params"]["objective"])
        model.load_model(d / "xgboost.json")
        return cls(model=model, params=doc["params"], search=doc["search"])


def _estimator(objective: str, **params: Any) -> xgb.XGBModel:
    cls = xgb.XGBClassifier if objective == "binary:logistic" else xgb.XGBRegressor
    return cls(objective=objective, **params)


def fit(x: np.ndarray, y: np.ndarray, params: dict[str, Any]) -> xgb.XGBModel:
    """One model with exactly these parameters (the final fit, and each evaluation fold's)."""
    model = _estimator(**params)
    model.fit(x, y)
    return model


def base_params(task: str, config: TrainConfig) -> dict[str, Any]:
    if task not in OBJECTIVES:
        raise PipelineError(f"unknown task {task!r}")
    return {
        "objective": OBJECTIVES[task],
        "n_estimators": config.n_estimators,
        "max_depth": config.max_depth,
        "learning_rate": config.learning_rate,
        "subsample": config.subsample,
        "colsample_bytree": config.colsample_bytree,
        "tree_method": "hist",
        "random_state": config.seed,
        "n_jobs": config.n_jobs,
    }


def _plain(v: Any) -> Any:
    """numpy scalars from scipy draws → JSON-friendly Python numbers."""
    return v.item() if isinstance(v, np.generic) else v


def search(
    x: np.ndarray, y: np.ndarray, task: str, config: TrainConfig
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Randomized search with k-fold CV; returns (chosen params, a record of the search)."""
    params = base_params(task, config)
    fixed = {k: v for k, v in params.items() if k not in SEARCH_SPACE}
    if task == "binary":
        cv = StratifiedKFold(config.search_folds, shuffle=True, random_state=config.seed)
        scoring = "roc_auc"
    else:
        cv = KFold(config.search_folds, shuffle=True, random_state=config.seed)
        scoring = "neg_root_mean_squared_error"
    searcher = RandomizedSearchCV(
        _estimator(**fixed),
        SEARCH_SPACE,
        n_iter=config.search_iterations,
        scoring=scoring,
        cv=cv,
        random_state=config.seed,
        refit=False,
        n_jobs=1,  # XGBoost already uses n_jobs threads per fit
    )
    try:
        searcher.fit(x, y)
    except ValueError as e:
        raise PipelineError(f"hyperparameter search failed: {e}".splitlines()[0]) from None
    chosen = {k: _plain(v) for k, v in searcher.best_params_.items()}
    record = {
        "iterations": config.search_iterations,
        "folds": config.search_folds,
        "scoring": scoring,
        "best_cv_score": float(searcher.best_score_),
        "chosen": chosen,
    }
    return {**params, **chosen}, record


def train(x: np.ndarray, y: np.ndarray, task: str, config: TrainConfig) -> TrainResult:
    """Fit the final model on the whole training split (after a search, if asked for)."""
    if config.search_iterations > 0:
        params, record = search(x, y, task, config)
    else:
        params, record = base_params(task, config), None
    return TrainResult(model=fit(x, y, params), params=params, search=record)
