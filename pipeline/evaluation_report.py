"""The evaluate stage's printed lines: fold metrics as mean ± sd, then the sales view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .ranking import TOP_FRACTIONS, percent_key

# The fold metrics worth a line of output; metadata.json has every one of them.
SHOWN_FOLD_METRICS = ("roc_auc", "pr_auc", "log_loss", "brier", "lift_at_10pct", "rmse", "r2")


def fold_line(cv: Mapping[str, Any]) -> str:
    shown = [n for n in SHOWN_FOLD_METRICS if n in cv["metrics"]]
    values = ", ".join(
        f"{n} {cv['metrics'][n]['mean']:.4f} ± {cv['metrics'][n]['sd']:.4f}" for n in shown
    )
    return f"{cv['folds']}-fold × {cv['repeats']} (mean ± sd): {values}"


def ranking_lines(held_out: Mapping[str, float]) -> list[str]:
    lines = ["held-out top k % of leads: capture / precision / lift"]
    for k in TOP_FRACTIONS:
        key = percent_key(k)
        lines.append(
            f"  top {round(k * 100):>2} %: {held_out[f'capture_at_{key}']:.1%} of conversions, "
            f"{held_out[f'precision_at_{key}']:.1%} convert, "
            f"lift {held_out[f'lift_at_{key}']:.2f}"
        )
    return lines


def calibration_lines(calibration: Mapping[str, Any]) -> list[str]:
    lines = [
        f"calibration on {calibration['rows']} out-of-fold predictions: "
        f"Brier {calibration['brier']:.4f}, ECE {calibration['ece']:.4f}; "
        "score bin: rows, mean predicted → observed"
    ]
    for b in calibration["reliability"]:
        if b["rows"]:
            lines.append(
                f"  {b['low']:.1f}–{b['high']:.1f}: {b['rows']:>5} rows, "
                f"{b['mean_predicted']:.3f} → {b['observed_rate']:.3f}"
            )
    chosen = calibration.get("calibrator")
    return lines + (calibrator_lines(chosen) if chosen else [])


def calibrator_lines(chosen: Mapping[str, Any]) -> list[str]:
    """The calibrator decision, with nested (honest) before → after figures."""
    before = chosen["before"]
    lines = [f"calibrator: {chosen['method'] or 'none'} ({chosen['reason']})"]
    for method, c in chosen["candidates"].items():
        lines.append(
            f"  {method}: nested Brier {before['brier']:.4f} → {c['brier']:.4f}, ECE "
            f"{before['ece']:.4f} → {c['ece']:.4f}, better in {c['folds_better']} of "
            f"{chosen['folds']} folds"
            if c
            else f"  {method}: no increasing fit"
        )
    held_out = chosen.get("held_out")
    if held_out and held_out["after"]:
        b, a = held_out["before"], held_out["after"]
        lines.append(
            f"  held-out: Brier {b['brier']:.4f} → {a['brier']:.4f}, "
            f"ECE {b['ece']:.4f} → {a['ece']:.4f}"
        )
    return lines


def evaluation_lines(
    cv: Mapping[str, Any] | None,
    ranking: Mapping[str, Any] | None,
    calibration: Mapping[str, Any] | None = None,
) -> list[str]:
    lines = [fold_line(cv)] if cv else []
    lines += ranking_lines(ranking["held_out"]) if ranking else []
    return lines + (calibration_lines(calibration) if calibration else [])
