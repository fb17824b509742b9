"""A candidate recipe against the default on the same repeated folds: the decision rule of the
model search (issue 20), paired per fold.

Both recipes are trained and scored on exactly the same folds, so fold i's difference
d_i = AUC(candidate, fold i) − AUC(default, fold i) cancels what the two share (which rows are
easy). The interval of the mean difference is Nadeau and Bengio's corrected resampled t
interval: the mean of the J = folds × repeats differences ± t(J−1) · sd(d) · sqrt(1/J + n_test /
n_train). The naive t interval (1/J alone) would be far too narrow: every two folds share most
of their training rows (and the repeats reuse every test row), so the differences are
positively correlated and do not average out like J independent draws; the n_test/n_train term
is Nadeau and Bengio's correction for it (Machine Learning 52, 2003; Bouckaert and Frank, PAKDD
2004, recommend it for repeated k-fold). A bootstrap over the J differences would make the same
independence mistake.

The decision is the registry's promotion rule (paired_comparison.py) applied to that interval: a
candidate is kept only when the *whole* interval clears the margin (0.005 in ROC-AUC) on the
better side. The margin exists for the same reason as at promotion: a retrain with another seed
is another model, and folds can call such a difference significant while it means nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import t as student_t

from ..paired_comparison import DEFAULT_MARGINS

MARGIN = DEFAULT_MARGINS["roc_auc"]
LEVEL = 0.95


@dataclass(frozen=True)
class FoldComparison:
    """Candidate − default, paired per fold, and whether the candidate is kept."""

    mean: float  # the candidate's mean fold AUC
    sd: float  # ... and its sample standard deviation over the folds
    mean_difference: float
    interval: tuple[float, float]
    level: float
    margin: float
    kept: bool

    def describe(self) -> str:
        low, high = self.interval
        verdict = "kept" if self.kept else "not kept"
        return (
            f"{self.mean:.4f} ± {self.sd:.4f}, difference {self.mean_difference:+.4f} "
            f"({self.level:.0%} interval {low:+.4f} … {high:+.4f}, margin {self.margin:g}): "
            f"{verdict}"
        )


def corrected_interval(
    differences: Sequence[float], test_fraction: float, level: float = LEVEL
) -> tuple[float, float]:
    """Nadeau-Bengio corrected resampled t interval of the mean of per-fold differences;
    `test_fraction` is n_test / n_train of one fold (1 / (k − 1) for k-fold)."""
    d = np.asarray(differences, dtype=np.float64)
    if d.size < 2:
        raise ValueError("a fold comparison needs at least two folds")
    half = student_t.ppf((1 + level) / 2, d.size - 1) * math.sqrt(
        (1 / d.size + test_fraction) * float(d.var(ddof=1))
    )
    return float(d.mean() - half), float(d.mean() + half)


def compare_per_fold(
    candidate: Sequence[float],
    default: Sequence[float],
    *,
    folds: int,
    level: float = LEVEL,
    margin: float = MARGIN,
) -> FoldComparison:
    """Per-fold AUCs of a candidate and of the default, on the same folds in the same order
    (`folds` = k of the k-fold, for the correction), → the comparison and the decision."""
    c = np.asarray(candidate, dtype=np.float64)
    b = np.asarray(default, dtype=np.float64)
    if c.shape != b.shape:
        raise ValueError(f"{c.size} candidate folds against {b.size} default folds")
    differences = c - b
    low, high = corrected_interval(differences, 1 / (folds - 1), level)
    return FoldComparison(
        mean=float(c.mean()),
        sd=float(c.std(ddof=1)),
        mean_difference=float(differences.mean()),
        interval=(low, high),
        level=level,
        margin=margin,
        kept=low > margin,
    )
