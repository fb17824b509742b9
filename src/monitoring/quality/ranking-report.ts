import type { ModelMetadata } from "../../model/metadata.js";
import type { Figure, Pairs } from "./metrics.js";
import {
  gainsCurve,
  rankingMetrics,
  RANKING_METRICS,
  type GainsCurve,
  type RankingMetric,
} from "./ranking.js";

/**
 * The sales view of one version in the report: lift, capture and precision at k % and the gains
 * curve on the joined outcomes, beside what training measured (metadata.json `ranking` on the
 * held-out split, `cross_validation` over folds), so that a drop in lift is visible next to it.
 */
export interface RankingReport {
  readonly realized: Readonly<Record<RankingMetric, Figure>>;
  /** metadata.json `ranking.held_out`; null when the version has none (older, regression). */
  readonly training_held_out: Readonly<Partial<Record<RankingMetric, number>>> | null;
  /** The fold means of metadata.json `cross_validation`; null when the version has none. */
  readonly training_folds: Readonly<Partial<Record<RankingMetric, number>>> | null;
  /** Null when no joined lead converted. */
  readonly gains_curve: GainsCurve | null;
  readonly training_gains_curve: GainsCurve | null;
}

export function rankingReport(pairs: Pairs, metadata: ModelMetadata | undefined): RankingReport {
  const heldOut = metadata?.ranking?.held_out;
  const folds = metadata?.cross_validation?.metrics;
  return {
    realized: rankingMetrics(pairs),
    training_held_out: heldOut === undefined ? null : known((metric) => heldOut[metric]),
    training_folds: folds === undefined ? null : known((metric) => folds[metric]?.mean),
    gains_curve: gainsCurve(pairs) ?? null,
    training_gains_curve: metadata?.ranking?.gains_curve ?? null,
  };
}

/** The ranking metrics `read` knows. */
function known(
  read: (metric: RankingMetric) => number | undefined,
): Partial<Record<RankingMetric, number>> {
  const out: Partial<Record<RankingMetric, number>> = {};
  for (const metric of RANKING_METRICS) {
    const value = read(metric);
    if (value !== undefined) out[metric] = value;
  }
  return out;
}
