"""Candidate vs production on the same rows: is the difference in the primary metric more
than noise?

Both models score the candidate's held-out rows (production through its own preprocessor),
and a paired bootstrap gives a confidence interval of the difference candidate − production:
each resample draws rows with replacement and recomputes both models' metric on those same
rows, so what the two scores share (which leads are easy) cancels out and only the models'
difference varies. The registry promotes only when the whole interval lies beyond `margin` on
the better side (src/registry/promotion.ts reads metadata.json's `comparison`).

Why a bootstrap and not DeLong's test: DeLong is exact for ROC-AUC only and rests on a normal
approximation; the bootstrap makes no such assumption, and the same code gives the interval of
RMSE for a regression. RESAMPLES = 2000: a percentile interval reads its ends at the tails
(2.5 % and 97.5 % at the 95 % level), which needs far more draws than a standard error does.

The held-out rows were never seen by the candidate. Those production trained on are left out
(its training-rows.json, training_rows.py), so both are judged on rows neither trained on. For a
production from before those fingerprints, or whose fields changed, they cannot be told apart
and stay in: that favours production, so the error can only be a refused promotion, never a
wrong one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.stats import rankdata

from .production_model import ProductionModel

RESAMPLES = 2000
# The interval covers the noise of the evaluation rows, not of training: two retrains that
# differ only by their seed are two different models, and on the same rows their difference
# can be "significant" and still mean nothing (see the README's seed measurements). So the
# whole interval must clear a margin of this much, per primary metric (--promotion-margin).
DEFAULT_MARGINS = {"roc_auc": 0.005, "rmse": 0.0}
METHOD = "paired bootstrap, percentile interval"
# Below this many rows neither model trained on, compare on all held-out rows instead (which
# favours production) rather than on a handful.
MIN_ROWS = 100


def _roc_auc_rows(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """ROC-AUC of each row of (resamples × n) outcomes and scores: the Mann-Whitney statistic
    with tied scores at their average rank, as sklearn computes it. NaN for a one-class row."""
    ranks = rankdata(p, axis=1)
    positives = y.sum(axis=1)
    negatives = y.shape[1] - positives
    with np.errstate(divide="ignore", invalid="ignore"):
        return ((ranks * y).sum(axis=1) - positives * (positives + 1) / 2) / (positives * negatives)


def _rmse_rows(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean((p - y) ** 2, axis=1))


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "roc_auc": _roc_auc_rows,
    "rmse": _rmse_rows,
}


def paired_bootstrap(
    y: np.ndarray,
    candidate: np.ndarray,
    production: np.ndarray,
    metric: str,
    *,
    level: float,
    seed: int,
    resamples: int = RESAMPLES,
) -> dict[str, Any]:
    """The difference candidate − production in `metric` on these rows, and its `level`
    percentile interval over paired resamples."""
    fn = METRICS[metric]
    y = np.asarray(y, dtype=np.float64)
    pc = np.asarray(candidate, dtype=np.float64)
    pp = np.asarray(production, dtype=np.float64)
    rows = np.random.default_rng(seed).integers(0, len(y), size=(resamples, len(y)))
    yb = y[rows]
    differences = fn(yb, pc[rows]) - fn(yb, pp[rows])
    low, high = np.nanquantile(differences, [(1 - level) / 2, (1 + level) / 2])
    whole_c, whole_p = fn(y[None, :], pc[None, :])[0], fn(y[None, :], pp[None, :])[0]
    return {
        "method": METHOD,
        "metric": metric,
        "candidate": float(whole_c),
        "production": float(whole_p),
        "difference": float(whole_c - whole_p),
        "interval": [float(low), float(high)],
        "level": level,
        "rows": len(y),
        "resamples": resamples,
        "seed": seed,
    }


def compare_with_production(
    production: ProductionModel,
    primary_metric: dict[str, Any],
    instances: Sequence[dict[str, Any]],
    y: np.ndarray,
    candidate_scores: np.ndarray,
    *,
    level: float,
    seed: int,
    margin: float | None = None,
) -> dict[str, Any] | None:
    """metadata.json's `comparison`, or None when the two primary metrics differ (the registry
    then refuses to compare them anyway)."""
    name = primary_metric["name"]
    if production.primary_metric.get("name") != name or name not in METRICS:
        return None
    keep, rows_from = unseen_by_production(production, instances, y)
    result = paired_bootstrap(
        np.asarray(y)[keep],
        np.asarray(candidate_scores)[keep],
        production.predict([instances[i] for i in np.flatnonzero(keep)]),
        name,
        level=level,
        seed=seed,
    )
    return {
        **result,
        "higher_is_better": primary_metric["higher_is_better"],
        "margin": DEFAULT_MARGINS[name] if margin is None else margin,
        "against": {"version": production.version},
        "rows_from": rows_from,
        "left_out_trained_on_by_production": int(len(keep) - keep.sum()),
    }


def unseen_by_production(
    production: ProductionModel, instances: Sequence[dict[str, Any]], y: np.ndarray
) -> tuple[np.ndarray, str]:
    """The held-out rows to compare on, and where they come from in words: those production did
    not train on, when that can be told and enough of them remain (both classes for ROC-AUC)."""
    everything = np.ones(len(instances), dtype=bool)
    seen = production.trained_on(instances)
    if seen is None:
        return everything, (
            "the candidate's held-out split (which of them production trained on is unknown: "
            "no training-rows.json, or its fields changed)"
        )
    unseen = ~seen
    if unseen.sum() < MIN_ROWS or len(np.unique(np.asarray(y)[unseen])) < 2:
        return everything, (
            f"the candidate's held-out split (only {int(unseen.sum())} of its rows are unseen by "
            "production, too few to compare on)"
        )
    return unseen, "the candidate's held-out rows production did not train on"


def describe(comparison: dict[str, Any]) -> str:
    """'roc_auc +0.0123 (95% interval +0.0051 … +0.0190, 1848 rows, margin 0.005) vs 1.0.0'."""
    low, high = comparison["interval"]
    return (
        f"{comparison['metric']} {comparison['difference']:+.4f} "
        f"({comparison['level']:.0%} interval {low:+.4f} … {high:+.4f}, "
        f"{comparison['rows']} rows, margin {comparison['margin']:g}) "
        f"vs {comparison['against']['version']}"
    )
