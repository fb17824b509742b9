import type { ScoredBatch } from "../../dataplane/observer.js";
import type { RequestContext } from "../../dataplane/types.js";

/**
 * One scored instance in the prediction log. Field names are snake_case: they become BigQuery
 * columns (README "Monitoring" has the table schema).
 */
export interface PredictionRecord {
  readonly kind: "prediction";
  /** When it was scored, RFC 3339 UTC. */
  readonly time: string;
  readonly request_id: string | null;
  /** The instance's id field (LEAD_ID_FIELD), which outcomes join on; null when absent. */
  readonly lead_id: string | null;
  readonly model: string;
  readonly model_version: string;
  readonly score: number;
  /** 0/1 at `threshold` when the caller asked for a label, else null. */
  readonly label: number | null;
  readonly threshold: number | null;
  /** The input fields the allow/deny list lets through; null for preprocessed tensors (V2). */
  readonly fields: Readonly<Record<string, unknown>> | null;
  /**
   * true: a rollout's candidate scored this instance in shadow, after production answered it
   * (model_version is the candidate's); absent on the records of answers.
   */
  readonly shadow?: true;
}

/** One outcome posted to /feedback: whether a lead converted, learnt later by the CRM. */
export interface OutcomeRecord {
  readonly kind: "outcome";
  /** When the service received it, RFC 3339 UTC. */
  readonly time: string;
  readonly request_id: string | null;
  readonly lead_id: string;
  readonly converted: boolean;
  /** When the CRM observed the outcome, as the caller sent it (RFC 3339). */
  readonly observed_at: string;
  /** The version the caller says scored the lead, if it said; the join does not need it. */
  readonly model_version: string | null;
}

export type LogRecord = PredictionRecord | OutcomeRecord;

/** An outcome as /feedback takes it. */
export interface Outcome {
  readonly lead_id: string;
  readonly converted: boolean;
  readonly observed_at: string;
  readonly model_version?: string;
}

/**
 * Which input fields reach the log: an allowlist (only these) or a denylist (all but these), so
 * that PII can be kept out. With neither, every field is kept.
 */
export class FieldFilter {
  private readonly allow: ReadonlySet<string> | undefined;
  private readonly deny: ReadonlySet<string>;

  constructor(options: { fields?: readonly string[]; excludeFields?: readonly string[] } = {}) {
    this.allow = options.fields === undefined ? undefined : new Set(options.fields);
    this.deny = new Set(options.excludeFields ?? []);
  }

  pick(instance: unknown): Record<string, unknown> {
    const kept: Record<string, unknown> = {};
    if (typeof instance !== "object" || instance === null) return kept;
    for (const [field, value] of Object.entries(instance)) {
      if (this.allow !== undefined ? this.allow.has(field) : !this.deny.has(field)) {
        kept[field] = value;
      }
    }
    return kept;
  }
}

/** The records of the sampled `rows` of one scored batch. */
export function predictionRecords(
  batch: ScoredBatch,
  rows: readonly number[],
  filter: FieldFilter,
  time: Date,
  shadow = false,
): PredictionRecord[] {
  const { model, input, scores, labels, ids, context } = batch;
  const common = {
    kind: "prediction" as const,
    ...(shadow ? { shadow: true as const } : {}),
    time: time.toISOString(),
    request_id: context?.requestId ?? null,
    model: model.name,
    model_version: model.version,
    threshold: labels === undefined ? null : (input.threshold ?? null),
  };
  return rows.map((row) => ({
    ...common,
    lead_id: ids?.[row] ?? null,
    score: scores[row] ?? Number.NaN,
    label: labels?.[row] ?? null,
    fields: input.kind === "instances" ? filter.pick(input.instances[row]) : null,
  }));
}

export function outcomeRecords(
  outcomes: readonly Outcome[],
  context: RequestContext,
  time: Date,
): OutcomeRecord[] {
  return outcomes.map((outcome) => ({
    kind: "outcome",
    time: time.toISOString(),
    request_id: context.requestId ?? null,
    lead_id: outcome.lead_id,
    converted: outcome.converted,
    observed_at: outcome.observed_at,
    model_version: outcome.model_version ?? null,
  }));
}
