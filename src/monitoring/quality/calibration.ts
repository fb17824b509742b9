import type { Pairs } from "./metrics.js";

/**
 * The calibration table: predicted against observed conversion rate per decile of predicted
 * score, binned exactly as sklearn.calibration.calibration_curve(strategy="quantile",
 * n_bins=10): edges are numpy.percentile(scores, 0, 10, …, 100) (linear interpolation), a score
 * goes in bin numpy.searchsorted(inner edges, score) (the number of inner edges strictly below
 * it), and empty bins (ties across an edge) are left out. Unlike sklearn, each bin also reports
 * its count and its edges.
 */
export interface CalibrationBin {
  /** Score range of the bin: (lower, upper], the first bin also holding `lower`. */
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  /** Mean score of the bin (sklearn's prob_pred). */
  readonly mean_predicted: number;
  /** Share of converted leads in the bin (sklearn's prob_true). */
  readonly observed_rate: number;
}

export const CALIBRATION_BINS = 10;

/** numpy's linear-interpolation lerp, with its rounding (the upper end for t ≥ 0.5). */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** numpy.percentile(sorted, q) with method="linear" on sorted values (q in [0, 100]). */
function percentile(sorted: Float64Array, q: number): number {
  const index = (sorted.length - 1) * (q / 100);
  const below = Math.floor(index);
  const above = Math.min(below + 1, sorted.length - 1);
  return lerp(sorted[below]!, sorted[above]!, index - below);
}

/** The table, lowest scores first; empty when there is no pair. */
export function calibrationTable(pairs: Pairs, bins = CALIBRATION_BINS): CalibrationBin[] {
  const n = pairs.scores.length;
  if (n === 0) return [];
  const sorted = Float64Array.from(pairs.scores).sort();
  // numpy.linspace(0, 1, bins + 1) * 100: i·step for all but the last, which is exactly 1.
  const step = 1 / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) =>
    percentile(sorted, (i === bins ? 1 : i * step) * 100),
  );
  const inner = edges.slice(1, -1);
  const sums = new Float64Array(bins);
  const positives = new Float64Array(bins);
  const counts = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const score = pairs.scores[i]!;
    let bin = 0;
    while (bin < inner.length && inner[bin]! < score) bin++;
    sums[bin]! += score;
    positives[bin]! += pairs.labels[i]!;
    counts[bin]!++;
  }
  const table: CalibrationBin[] = [];
  for (let bin = 0; bin < bins; bin++) {
    const count = counts[bin]!;
    if (count === 0) continue;
    table.push({
      lower: edges[bin]!,
      upper: edges[bin + 1]!,
      count,
      mean_predicted: sums[bin]! / count,
      observed_rate: positives[bin]! / count,
    });
  }
  return table;
}
