"""Metrics a sales team reads: what calling the top k % of leads by score is worth.

- capture at k %: the share of all conversions found among the top k % of leads;
- precision at k %: the conversion rate among them;
- lift at k %: that rate over the base rate (calling at random has lift 1), i.e. capture / k;
- the cumulative gains curve: capture as a function of the share of leads called.

Ties: leads with the same score are in no meaningful order, so a cut that falls inside a group
of tied scores counts each lead of that group at the group's conversion rate, the expectation
over every order of the tie. The top k % is k·n leads, a fraction of a lead counted pro rata.
Both rules make the gains curve the straight line between the ends of the tie groups, so the
figures never depend on row order and equal a hand computation.
"""

from __future__ import annotations

import numpy as np

from .errors import PipelineError

TOP_FRACTIONS: tuple[float, ...] = (0.05, 0.10, 0.20, 0.30)
# Every 2 % of leads: enough to draw the curve, small enough for metadata.json.
GAINS_STEP_PERCENT = 2


def _tie_group_ends(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(leads, conversions) counted from the best score down to the end of each group of tied
    scores, starting at (0, 0): the corners of the gains curve."""
    order = np.argsort(-p, kind="stable")
    scores, outcomes = p[order], y[order].astype(np.float64)
    ends = np.flatnonzero(np.r_[scores[1:] != scores[:-1], True]) + 1
    conversions = np.r_[0.0, np.cumsum(outcomes)]
    leads = np.r_[0, ends]
    return leads.astype(np.float64), conversions[leads]


def _captured(y: np.ndarray, p: np.ndarray, fractions: np.ndarray) -> np.ndarray:
    """Expected conversions among the top `fractions` of leads (ties as in the module doc)."""
    if len(y) == 0 or not np.any(y == 1):
        raise PipelineError("lift and capture need at least one conversion in the evaluated rows")
    leads, conversions = _tie_group_ends(y, p)
    return np.interp(fractions * len(y), leads, conversions)


def percent_key(fraction: float) -> str:
    return f"{round(fraction * 100)}pct"


def ranking_metrics(
    y: np.ndarray, p: np.ndarray, fractions: tuple[float, ...] = TOP_FRACTIONS
) -> dict[str, float]:
    """capture_at_Kpct, precision_at_Kpct and lift_at_Kpct for each fraction K (flat scalars,
    so they can be averaged over folds and logged to MLflow as they are)."""
    at = np.asarray(fractions, dtype=np.float64)
    captured = _captured(y, p, at)
    positives = float(np.sum(y == 1))
    base_rate = positives / len(y)
    out: dict[str, float] = {}
    for k, c in zip(fractions, captured, strict=True):
        precision = float(c) / (k * len(y))
        out[f"capture_at_{percent_key(k)}"] = float(c) / positives
        out[f"precision_at_{percent_key(k)}"] = precision
        out[f"lift_at_{percent_key(k)}"] = precision / base_rate
    return out


def gains_curve(y: np.ndarray, p: np.ndarray) -> dict[str, list[float]]:
    """Capture at every GAINS_STEP_PERCENT of leads, from 0 to 100 %."""
    percent = np.arange(0, 100 + GAINS_STEP_PERCENT, GAINS_STEP_PERCENT)
    fractions = percent / 100.0
    capture = _captured(y, p, fractions) / float(np.sum(y == 1))
    return {"fraction_of_leads": fractions.tolist(), "capture": capture.tolist()}


def held_out_ranking(task: str, y: np.ndarray, p: np.ndarray) -> dict[str, object] | None:
    """metadata.json's `ranking` (binary targets only: a regression has no conversions)."""
    if task != "binary":
        return None
    return {
        "held_out": ranking_metrics(y, p),
        "gains_curve": gains_curve(y, p),
        "ties": "leads with equal scores count at their group's conversion rate",
    }
