"""Does a calibrator help? Decided on the out-of-fold predictions, nested, before one is fitted.

A calibrator fitted and scored on the same out-of-fold predictions always looks better (isotonic
regression fits them as closely as a monotone map can), so each candidate is judged nested, on
the folds of cross_validate.py's first repeat: for each fold, the calibrator is fitted on the
other folds' out-of-fold predictions and applied to this fold's. That gives every training row a
calibrated prediction from a calibrator that never saw it; its Brier score and ECE are the
honest "after", the uncalibrated out-of-fold predictions' the "before".

The rule (--calibration auto): the candidate (isotonic, Platt) with the lowest mean fold Brier
is adopted when that mean is below the uncalibrated one AND it is lower in more than half of
the folds, so that one lucky fold does not decide. Adopted, it is fitted again on ALL
out-of-fold predictions: that table is the one stored. --calibration isotonic|platt forces one
(the nested figures are still reported), none turns it off. Deterministic: the folds come from
the run's seed and both fits are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import calibrator as cal
from .calibration import calibration_report
from .errors import PipelineError


def check_request(requested: str, task: str, eval_repeats: int) -> None:
    """A forced calibrator needs what it is fitted on: checked before training, not after."""
    if requested not in cal.CHOICES:
        raise PipelineError(f"--calibration {requested}: one of {', '.join(cal.CHOICES)}")
    if requested in ("auto", "none"):
        return
    if task != "binary":
        raise PipelineError(f"--calibration {requested} needs a binary target (task is {task})")
    if eval_repeats == 0:
        raise PipelineError(
            f"--calibration {requested} is fitted on out-of-fold predictions: "
            "it needs --eval-repeats 1 or more"
        )


@dataclass(frozen=True)
class CalibrationChoice:
    table: dict[str, Any] | None  # calibration.json, or None: the version has no calibrator
    summary: dict[str, Any]  # metadata.json's calibration.calibrator


def _fold_briers(
    y: np.ndarray, p: np.ndarray, fold_of: np.ndarray, folds: np.ndarray
) -> list[float]:
    return [float(np.mean((p[fold_of == k] - y[fold_of == k]) ** 2)) for k in folds]


def nested(method: str, y: np.ndarray, p: np.ndarray, fold_of: np.ndarray) -> np.ndarray | None:
    """Each row's prediction calibrated by a `method` calibrator fitted on the other folds
    (None when one of those fits gives no increasing map)."""
    out = np.empty(len(p), dtype=np.float64)
    for k in np.unique(fold_of):
        here = fold_of == k
        table = cal.fit(method, y[~here], p[~here])
        if table is None:
            return None
        out[here] = cal.apply(table, p[here])
    return out


def _brier_ece(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    report = calibration_report(y, p)
    return {"brier": report["brier"], "ece": report["ece"]}


def choose(
    requested: str,
    y: np.ndarray,
    oof: np.ndarray,
    fold_of: np.ndarray,
    held_out: tuple[np.ndarray, np.ndarray] | None = None,
) -> CalibrationChoice:
    """The calibrator for `requested` (auto, isotonic, platt, none) on out-of-fold predictions
    `oof` with fold ids `fold_of`; `held_out` (labels, trees' probabilities), when given, gets
    before/after figures too (the calibrator never saw it)."""
    y = np.asarray(y, dtype=np.float64)
    oof = np.asarray(oof, dtype=np.float64)
    folds = np.unique(fold_of)
    before = _fold_briers(y, oof, fold_of, folds)
    candidates: dict[str, Any] = {}
    if requested != "none":
        for method in cal.METHODS if requested == "auto" else (requested,):
            p = nested(method, y, oof, fold_of)
            if p is None:
                candidates[method] = None  # Platt with a slope ≤ 0
                continue
            per_fold = _fold_briers(y, p, fold_of, folds)
            candidates[method] = {
                **_brier_ece(y, p),
                "brier_per_fold": per_fold,
                "folds_better": sum(a < b for a, b in zip(per_fold, before, strict=True)),
            }
    usable = {m: c for m, c in candidates.items() if c is not None}
    best = min(usable, key=lambda m: usable[m]["brier"]) if usable else None
    uncalibrated = {**_brier_ece(y, oof), "brier_per_fold": before}
    if requested == "none":
        method, reason = None, "--calibration none"
    elif best is None:
        method, reason = None, f"{requested}: no increasing calibrator fits these predictions"
    elif requested != "auto":
        method, reason = best, f"--calibration {requested}"
    elif usable[best]["brier"] < uncalibrated["brier"] and 2 * usable[best]["folds_better"] > len(
        folds
    ):
        method = best
        reason = (
            f"{best} lowers the nested out-of-fold Brier {uncalibrated['brier']:.4f} → "
            f"{usable[best]['brier']:.4f}, in {usable[best]['folds_better']} of {len(folds)} folds"
        )
    else:
        method = None
        reason = (
            f"no calibrator lowers the nested out-of-fold Brier {uncalibrated['brier']:.4f} in "
            f"the mean and in most of the {len(folds)} folds"
        )
    table = cal.fit(method, y, oof) if method is not None else None
    if method is not None and table is None:  # Platt on all rows: slope ≤ 0
        method, reason = None, f"{reason}, but its fit on all rows is not increasing"
    summary: dict[str, Any] = {
        "requested": requested,
        "method": method,
        "reason": reason,
        "rule": "nested on the first repeat's folds: lowest mean fold Brier, adopted when below "
        "the uncalibrated mean and lower in more than half of the folds",
        "folds": len(folds),
        "before": uncalibrated,
        "candidates": candidates,
        "after": {k: candidates[method][k] for k in ("brier", "ece")} if method else None,
    }
    if held_out is not None:
        y_h, p_h = (np.asarray(v, dtype=np.float64) for v in held_out)
        summary["held_out"] = {
            "before": _brier_ece(y_h, p_h),
            "after": _brier_ece(y_h, cal.apply(table, p_h)) if table else None,
        }
    return CalibrationChoice(table=table, summary=summary)
