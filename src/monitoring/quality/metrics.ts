import type { QualityMetric } from "./latest.js";

/**
 * Quality of a binary model on (score, label) pairs, defined exactly as scikit-learn computes
 * them (pipeline/evaluate.py trains with these), so that the job's figures compare with the
 * training metrics in metadata.json. test/fixtures/quality-metrics.json holds sklearn's values
 * (pipeline/tests/test_quality_fixture.py writes it). A metric that is undefined on the pairs
 * (no pair, one class only, no predicted positive) is null with the reason, never NaN.
 */

/** The joined pairs of one version: score (probability of conversion) and outcome (0/1). */
export interface Pairs {
  readonly scores: Float64Array;
  readonly labels: Uint8Array;
}

export interface Figure {
  readonly value: number | null;
  /** Why value is null. */
  readonly reason?: string;
}

/** One point per distinct score (highest first) after (0, 0): sklearn's roc_curve without drop_intermediate. */
export interface RocCurve {
  readonly fpr: number[];
  readonly tpr: number[];
}

const defined = (value: number): Figure => ({ value });
const undefinedBecause = (reason: string): Figure => ({ value: null, reason });

/**
 * Cumulative true and false positives at each distinct score, highest first: sklearn's
 * _binary_clf_curve. Equal scores form one threshold, which is how ties count half in ROC-AUC.
 */
function cumulativeCounts(pairs: Pairs): { tps: number[]; fps: number[] } {
  const order = Array.from(pairs.scores.keys()).sort((a, b) => pairs.scores[b]! - pairs.scores[a]!);
  const tps: number[] = [];
  const fps: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    const row = order[i]!;
    if (pairs.labels[row] === 1) tp++;
    else fp++;
    const next = order[i + 1];
    if (next === undefined || pairs.scores[next] !== pairs.scores[row]) {
      tps.push(tp);
      fps.push(fp);
    }
  }
  return { tps, fps };
}

function classCounts(pairs: Pairs): { positives: number; negatives: number } {
  let positives = 0;
  for (const label of pairs.labels) positives += label;
  return { positives, negatives: pairs.labels.length - positives };
}

/** Why ranking metrics are undefined on `pairs`, or undefined when they are defined. */
function rankingUndefined(pairs: Pairs): string | undefined {
  const { positives, negatives } = classCounts(pairs);
  if (pairs.labels.length === 0) return "no joined outcome";
  if (positives === 0) return "no converted lead among the joined outcomes";
  if (negatives === 0) return "every joined lead converted";
  return undefined;
}

/** sklearn.metrics.roc_curve's points, or undefined with one class only. */
export function rocCurve(pairs: Pairs): RocCurve | undefined {
  if (rankingUndefined(pairs) !== undefined) return undefined;
  const { tps, fps } = cumulativeCounts(pairs);
  const p = tps.at(-1)!;
  const n = fps.at(-1)!;
  return { fpr: [0, ...fps.map((f) => f / n)], tpr: [0, ...tps.map((t) => t / p)] };
}

/** sklearn.metrics.roc_auc_score: the trapezoidal area under the ROC curve. */
export function rocAuc(pairs: Pairs): Figure {
  const reason = rankingUndefined(pairs);
  if (reason !== undefined) return undefinedBecause(reason);
  const { tps, fps } = cumulativeCounts(pairs);
  // In counts, divided once at the end: the trapezoids of (fps, tps) / (negatives × positives).
  let area = 0;
  for (let i = 0; i < tps.length; i++) {
    const [fp0, tp0] = i === 0 ? [0, 0] : [fps[i - 1]!, tps[i - 1]!];
    area += ((fps[i]! - fp0) * (tps[i]! + tp0)) / 2;
  }
  return defined(area / (tps.at(-1)! * fps.at(-1)!));
}

/**
 * sklearn.metrics.average_precision_score: Σ (Rₖ − Rₖ₋₁)·Pₖ over the distinct scores, highest
 * first (step-wise, not the trapezoidal area under the precision-recall curve).
 */
export function averagePrecision(pairs: Pairs): Figure {
  const reason = rankingUndefined(pairs);
  if (reason !== undefined) return undefinedBecause(reason);
  const { tps, fps } = cumulativeCounts(pairs);
  const positives = tps.at(-1)!;
  let sum = 0;
  let previousRecall = 0;
  for (let i = 0; i < tps.length; i++) {
    const recall = tps[i]! / positives;
    sum += (recall - previousRecall) * (tps[i]! / (tps[i]! + fps[i]!));
    previousRecall = recall;
  }
  return defined(sum);
}

/** float64 machine epsilon: sklearn clips probabilities to [eps, 1 − eps] in log_loss. */
const EPS = 2.220446049250313e-16;
const clip = (p: number) => Math.min(Math.max(p, EPS), 1 - EPS);

/** sklearn.metrics.log_loss(labels=[0, 1]): mean −ln of the clipped probability of the outcome. */
export function logLoss(pairs: Pairs): Figure {
  const n = pairs.labels.length;
  if (n === 0) return undefinedBecause("no joined outcome");
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = pairs.scores[i]!;
    sum -= Math.log(pairs.labels[i] === 1 ? clip(p) : clip(1 - p));
  }
  return defined(sum / n);
}

/** sklearn.metrics.brier_score_loss: mean (score − outcome)². */
export function brier(pairs: Pairs): Figure {
  return mean(pairs, (score, label) => (score - label) ** 2);
}

export function positiveRate(pairs: Pairs): Figure {
  return mean(pairs, (_score, label) => label);
}

export function meanScore(pairs: Pairs): Figure {
  return mean(pairs, (score) => score);
}

function mean(pairs: Pairs, term: (score: number, label: number) => number): Figure {
  const n = pairs.labels.length;
  if (n === 0) return undefinedBecause("no joined outcome");
  let sum = 0;
  for (let i = 0; i < n; i++) sum += term(pairs.scores[i]!, pairs.labels[i]!);
  return defined(sum / n);
}

/**
 * Precision, recall and F1 of the label score ≥ threshold (pipeline/evaluate.py's rule), as
 * sklearn's precision_score, recall_score and f1_score = 2tp / (2tp + fp + fn); null where
 * sklearn would divide by zero (it reports its zero_division value there).
 */
export function atThreshold(
  pairs: Pairs,
  threshold: number,
): { precision: Figure; recall: Figure; f1: Figure } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < pairs.labels.length; i++) {
    const predicted = pairs.scores[i]! >= threshold;
    const actual = pairs.labels[i] === 1;
    if (predicted && actual) tp++;
    else if (predicted) fp++;
    else if (actual) fn++;
  }
  const ratio = (num: number, den: number, reason: string) =>
    den > 0 ? defined(num / den) : undefinedBecause(reason);
  return {
    precision: ratio(tp, tp + fp, `no score ≥ the threshold ${threshold}`),
    recall: ratio(tp, tp + fn, "no converted lead among the joined outcomes"),
    f1: ratio(2 * tp, 2 * tp + fp + fn, "no converted lead and no predicted positive"),
  };
}

/** Every metric of latest.ts's QUALITY_METRICS on `pairs`. */
export function qualityMetrics(pairs: Pairs, threshold: number): Record<QualityMetric, Figure> {
  return {
    roc_auc: rocAuc(pairs),
    pr_auc: averagePrecision(pairs),
    log_loss: logLoss(pairs),
    brier: brier(pairs),
    ...atThreshold(pairs, threshold),
    positive_rate: positiveRate(pairs),
    mean_score: meanScore(pairs),
  };
}
