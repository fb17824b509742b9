import type { PredictionRecord } from "../prediction-log/record.js";
import type { Timed, TimedOutcome } from "./log-reader.js";

/**
 * Joins outcomes to predictions by lead id, across all replicas (the outcome of a lead usually
 * reaches another pod than its prediction). The rules, each counted, never an error:
 *
 * - a prediction without lead_id cannot be joined (it still counts for drift);
 * - several outcomes for one lead: the one with the latest observed_at wins (then the latest
 *   received); the others are duplicates;
 * - an outcome is joined to the latest prediction of its lead scored at or before the outcome
 *   was received (both are the services' clocks; observed_at is the CRM's). A lead scored
 *   several times before it is "rescored"; a lead scored only after it, "before prediction";
 * - an outcome whose lead has no prediction in the window is "unknown lead" (its prediction may
 *   be older than the window).
 */
export interface JoinCounts {
  /** Predictions of the model in the window. */
  readonly predictions: number;
  readonly predictions_without_lead_id: number;
  /** Outcome records received in the window. */
  readonly outcomes: number;
  /** Outcome records beyond the first for one lead (the latest observed_at was kept). */
  readonly duplicate_outcomes: number;
  readonly outcomes_unknown_lead: number;
  readonly outcomes_before_prediction: number;
  /** Joined leads scored more than once before their outcome (the latest score was used). */
  readonly rescored_leads: number;
  readonly joined: number;
}

export interface JoinedPair {
  readonly prediction: PredictionRecord;
  readonly converted: boolean;
}

export interface Join {
  readonly counts: JoinCounts;
  /** Joined pairs by the version that scored the lead. */
  readonly byVersion: ReadonlyMap<string, JoinedPair[]>;
}

export function joinOutcomes(
  predictions: readonly Timed<PredictionRecord>[],
  outcomes: readonly TimedOutcome[],
): Join {
  const byLead = new Map<string, Timed<PredictionRecord>[]>();
  let withoutId = 0;
  for (const prediction of predictions) {
    const id = prediction.record.lead_id;
    if (id === null || id === "") {
      withoutId++;
      continue;
    }
    const list = byLead.get(id);
    if (list === undefined) byLead.set(id, [prediction]);
    else list.push(prediction);
  }

  const latestOutcome = new Map<string, TimedOutcome>();
  for (const outcome of outcomes) {
    const id = outcome.record.lead_id;
    const kept = latestOutcome.get(id);
    if (
      kept === undefined ||
      outcome.observedAt > kept.observedAt ||
      (outcome.observedAt === kept.observedAt && outcome.time >= kept.time)
    ) {
      latestOutcome.set(id, outcome);
    }
  }

  const byVersion = new Map<string, JoinedPair[]>();
  let unknown = 0;
  let beforePrediction = 0;
  let rescored = 0;
  for (const [id, outcome] of latestOutcome) {
    const scored = byLead.get(id);
    if (scored === undefined) {
      unknown++;
      continue;
    }
    const before = scored.filter((prediction) => prediction.time <= outcome.time);
    if (before.length === 0) {
      beforePrediction++;
      continue;
    }
    if (before.length > 1) rescored++;
    const latest = before.reduce((a, b) => (b.time >= a.time ? b : a));
    const version = latest.record.model_version;
    const pair = { prediction: latest.record, converted: outcome.record.converted };
    const pairs = byVersion.get(version);
    if (pairs === undefined) byVersion.set(version, [pair]);
    else pairs.push(pair);
  }

  const joined = [...byVersion.values()].reduce((sum, pairs) => sum + pairs.length, 0);
  return {
    counts: {
      predictions: predictions.length,
      predictions_without_lead_id: withoutId,
      outcomes: outcomes.length,
      duplicate_outcomes: outcomes.length - latestOutcome.size,
      outcomes_unknown_lead: unknown,
      outcomes_before_prediction: beforePrediction,
      rescored_leads: rescored,
      joined,
    },
    byVersion,
  };
}
