import type { Figure, Pairs } from "./metrics.js";

/**
 * What calling the top k % of leads by score is worth, on realized outcomes, defined exactly as
 * pipeline/ranking.py defines it at training time (test/fixtures/ranking.json is the hand
 * computation both are tested against), so that the job's figures sit beside metadata.json's:
 * - capture at k %: the share of all conversions among the top k % of leads;
 * - precision at k %: the conversion rate among them;
 * - lift at k %: that rate over the base rate (random calling is 1);
 * - the gains curve: capture as a function of the share of leads called.
 * Ties: a cut inside a group of equal scores counts each lead of the group at the group's
 * conversion rate, and the top k % is k·n leads, a fraction of a lead counted pro rata; so the
 * gains curve is the straight line between the ends of the tie groups.
 */

export const TOP_PERCENTS = [5, 10, 20, 30] as const;
export type TopPercent = (typeof TOP_PERCENTS)[number];
export type RankingMetric = `${"capture" | "precision" | "lift"}_at_${TopPercent}pct`;

export const RANKING_METRICS: readonly RankingMetric[] = TOP_PERCENTS.flatMap((k) => [
  `capture_at_${k}pct` as const,
  `precision_at_${k}pct` as const,
  `lift_at_${k}pct` as const,
]);

/** Every 2 % of leads, as pipeline/ranking.py's GAINS_STEP_PERCENT. */
export const GAINS_STEP_PERCENT = 2;

export interface GainsCurve {
  readonly fraction_of_leads: number[];
  readonly capture: number[];
}

/** (leads, conversions) from the best score down to the end of each tie group, from (0, 0). */
function tieGroupEnds(pairs: Pairs): { leads: number[]; conversions: number[] } {
  const order = Array.from(pairs.scores.keys()).sort((a, b) => pairs.scores[b]! - pairs.scores[a]!);
  const leads = [0];
  const conversions = [0];
  let converted = 0;
  for (let i = 0; i < order.length; i++) {
    converted += pairs.labels[order[i]!]!;
    const next = order[i + 1];
    if (next === undefined || pairs.scores[next] !== pairs.scores[order[i]!]) {
      leads.push(i + 1);
      conversions.push(converted);
    }
  }
  return { leads, conversions };
}

/** numpy.interp on increasing `xs`: linear between the corners, flat beyond the ends. */
function interpolate(x: number, xs: readonly number[], ys: readonly number[]): number {
  if (x <= xs[0]!) return ys[0]!;
  const last = xs.length - 1;
  if (x >= xs[last]!) return ys[last]!;
  let j = 1;
  while (xs[j]! < x) j++;
  const [x0, x1, y0, y1] = [xs[j - 1]!, xs[j]!, ys[j - 1]!, ys[j]!];
  return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}

/** Why the figures are undefined on `pairs` (no conversion to capture), else undefined. */
function undefinedBecause(pairs: Pairs, positives: number): string | undefined {
  if (pairs.labels.length === 0) return "no joined outcome";
  if (positives === 0) return "no converted lead among the joined outcomes";
  return undefined;
}

function positivesOf(pairs: Pairs): number {
  let positives = 0;
  for (const label of pairs.labels) positives += label;
  return positives;
}

/** Expected conversions among the top `fractions` of leads. */
function captured(pairs: Pairs, fractions: readonly number[]): number[] {
  const { leads, conversions } = tieGroupEnds(pairs);
  const n = pairs.labels.length;
  return fractions.map((fraction) => interpolate(fraction * n, leads, conversions));
}

/** capture, precision and lift at 5/10/20/30 %; null with the reason when nothing converted. */
export function rankingMetrics(pairs: Pairs): Record<RankingMetric, Figure> {
  const positives = positivesOf(pairs);
  const reason = undefinedBecause(pairs, positives);
  const out = {} as Record<RankingMetric, Figure>;
  if (reason !== undefined) {
    for (const metric of RANKING_METRICS) out[metric] = { value: null, reason };
    return out;
  }
  const n = pairs.labels.length;
  const baseRate = positives / n;
  const conversions = captured(
    pairs,
    TOP_PERCENTS.map((k) => k / 100),
  );
  TOP_PERCENTS.forEach((k, i) => {
    const precision = conversions[i]! / ((k / 100) * n);
    out[`capture_at_${k}pct`] = { value: conversions[i]! / positives };
    out[`precision_at_${k}pct`] = { value: precision };
    out[`lift_at_${k}pct`] = { value: precision / baseRate };
  });
  return out;
}

/** Capture every GAINS_STEP_PERCENT of leads from 0 to 100 %; undefined when nothing converted. */
export function gainsCurve(pairs: Pairs): GainsCurve | undefined {
  const positives = positivesOf(pairs);
  if (undefinedBecause(pairs, positives) !== undefined) return undefined;
  const fractions = Array.from(
    { length: 100 / GAINS_STEP_PERCENT + 1 },
    (_, i) => (i * GAINS_STEP_PERCENT) / 100,
  );
  return {
    fraction_of_leads: fractions,
    capture: captured(pairs, fractions).map((c) => c / positives),
  };
}
