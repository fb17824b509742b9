"""Repeated k-fold cross-validation on the training part: how much each metric moves with the
split, so that a difference between two models can be read against that noise.

One held-out split says little on its own: on the lead data, split seeds alone move the
held-out ROC-AUC between 0.861 and 0.876. Repeated k-fold (stratified for a binary target;
default 5 folds × 2 repeats, seeded) trains the run's final parameters on each fold's
complement and scores the fold; metadata.json's `cross_validation` records each metric's mean,
sample standard deviation and per-fold values. The held-out split stays untouched for the final
model's `metrics`.

The folds reuse the training matrix, whose preprocessor was fitted on the whole training part.
That fit never sees the target (medians, scaling, category lists) and trees ignore scaling, so
what crosses a fold boundary is a median and which categories exist: a small, target-free
optimism, accepted so that every fold trains on exactly the features the final model sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold

from .errors import PipelineError
from .evaluate import binary_metrics, predict, regression_metrics
from .ranking import ranking_metrics
from .train import fit


def fold_metrics(y: np.ndarray, p: np.ndarray, task: str, threshold: float) -> dict[str, float]:
    """Every scalar metric of one fold: the held-out ones plus, for a binary target, the
    ranking ones (the threshold is a setting, not a metric; the confusion matrix is not a
    scalar)."""
    if task != "binary":
        return regression_metrics(y, p)
    scalars = {
        k: v
        for k, v in binary_metrics(y, p, threshold).items()
        if isinstance(v, float) and k != "threshold"
    }
    return {**scalars, **ranking_metrics(y, p)}


@dataclass(frozen=True)
class FoldEvaluation:
    summary: dict[str, Any]  # metadata.json's `cross_validation`
    # The first repeat's predictions: each training row scored once, by the fold model that
    # did not see it (what calibration.py measures).
    out_of_fold: np.ndarray
    # Which of those folds scored each row (0 … folds − 1): calibration_choice.py nests on them.
    fold_of: np.ndarray


def _summary(values: list[float]) -> dict[str, Any]:
    a = np.asarray(values, dtype=np.float64)
    return {"mean": float(a.mean()), "sd": float(a.std(ddof=1)), "folds": a.tolist()}


def check_settings(folds: int, repeats: int) -> None:
    """Bad settings fail before anything is trained."""
    if folds < 2 or repeats < 0:
        raise PipelineError(
            f"--eval-folds must be at least 2 and --eval-repeats at least 0 "
            f"(got {folds} and {repeats})"
        )


def fold_splitter(
    task: str, folds: int, repeats: int, seed: int
) -> RepeatedStratifiedKFold | RepeatedKFold:
    """The repeated k-fold every fold figure is measured on (stratified for a binary target);
    pipeline/experiments scores its recipes on the same one."""
    splitter_class = RepeatedStratifiedKFold if task == "binary" else RepeatedKFold
    return splitter_class(n_splits=folds, n_repeats=repeats, random_state=seed)


def cross_validate(
    x: np.ndarray,
    y: np.ndarray,
    task: str,
    params: dict[str, Any],
    *,
    folds: int,
    repeats: int,
    seed: int,
    threshold: float,
) -> FoldEvaluation | None:
    """The fold metrics and out-of-fold predictions (None when repeats is 0: evaluation on
    folds is off). Fold order and contents depend only on (y, folds, repeats, seed)."""
    check_settings(folds, repeats)
    if repeats == 0:
        return None
    stratified = task == "binary"
    if stratified:
        smallest = int(min(np.sum(y == 0), np.sum(y == 1)))
        if smallest < folds:
            raise PipelineError(
                f"cross-validation: {folds} stratified folds need at least {folds} rows of each "
                f"class in the training part, the smaller class has {smallest}; lower "
                "--eval-folds or turn fold metrics off with --eval-repeats 0"
            )
    splitter = fold_splitter(task, folds, repeats, seed)
    per_fold: list[dict[str, float]] = []
    out_of_fold = np.full(len(y), np.nan)
    fold_of = np.full(len(y), -1, dtype=np.int64)
    try:
        # The splitter yields the first repeat's `folds` folds first.
        for i, (train_rows, test_rows) in enumerate(splitter.split(x, y)):
            model = fit(x[train_rows], y[train_rows], params)
            p = predict(model, x[test_rows])
            per_fold.append(fold_metrics(y[test_rows], p, task, threshold))
            if i < folds:
                out_of_fold[test_rows] = p
                fold_of[test_rows] = i
    except ValueError as e:  # e.g. fewer rows of a class than folds
        raise PipelineError(f"cross-validation failed: {e}".splitlines()[0]) from None
    summary = {
        "method": f"repeated {'stratified ' if stratified else ''}k-fold on the training part",
        "folds": folds,
        "repeats": repeats,
        "seed": seed,
        "rows": len(y),
        "metrics": {name: _summary([f[name] for f in per_fold]) for name in per_fold[0]},
    }
    return FoldEvaluation(summary=summary, out_of_fold=out_of_fold, fold_of=fold_of)
