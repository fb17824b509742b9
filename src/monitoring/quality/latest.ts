import { Type, type Static } from "typebox";

/**
 * `<registry>/<model>/monitoring/latest.json`: the headline of the monitoring job's most recent
 * run (`lead-scoring monitor`). The job writes it after its full reports; the service polls it
 * beside the alias and exports its figures as gauges, so that alert rules can fire on realized
 * model quality and on the job's drift verdicts, not only on HTTP. This schema is the contract
 * between the two: the job validates what it writes, the service what it reads.
 */

/** The metrics the job computes per version on the joined (prediction, outcome) pairs. */
export const QUALITY_METRICS = [
  "roc_auc",
  "pr_auc",
  "log_loss",
  "brier",
  "precision",
  "recall",
  "f1",
  "positive_rate",
  "mean_score",
] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number];

/** A metric's value; null when undefined on this window (e.g. ROC-AUC with one class only). */
const Figure = Type.Union([Type.Number(), Type.Null()]);

const FieldVerdict = Type.Object({
  /** jensen_shannon for numeric fields, l_infinity for categorical ones (docs/monitoring.md). */
  statistic: Type.Union([Type.Literal("jensen_shannon"), Type.Literal("l_infinity")]),
  value: Figure,
  threshold: Type.Number(),
  alerting: Type.Boolean(),
});

const VersionSummary = Type.Object({
  version: Type.String({ minLength: 1 }),
  /** Prediction records of this version in the window (all replicas). */
  predictions: Type.Integer({ minimum: 0 }),
  /** Of those, the ones joined to an outcome by lead id: the sample the quality is measured on. */
  outcomes_joined: Type.Integer({ minimum: 0 }),
  quality: Type.Record(Type.String(), Figure),
  /** Per raw field: the job's drift verdict over the whole window against the training baseline. */
  drift: Type.Record(Type.String(), FieldVerdict),
  /** One human-readable line per crossed threshold; empty when healthy. */
  alerts: Type.Array(Type.String()),
});

export const LatestReportSchema = Type.Object({
  schema: Type.Literal(1),
  model: Type.String({ minLength: 1 }),
  generated_at: Type.String({ format: "date-time" }),
  window: Type.Object({
    start: Type.String({ format: "date-time" }),
    end: Type.String({ format: "date-time" }),
  }),
  /** The full reports of this run, relative to the model's directory in the registry. */
  report: Type.Object({ json: Type.String(), html: Type.String() }),
  /** empty: no prediction in the window; alert: some version crossed a threshold (exit code 3). */
  status: Type.Union([Type.Literal("healthy"), Type.Literal("alert"), Type.Literal("empty")]),
  versions: Type.Array(VersionSummary),
});
export type LatestReport = Static<typeof LatestReportSchema>;
export type VersionQualitySummary = Static<typeof VersionSummary>;

/** Where latest.json lives, relative to the model's directory in the registry. */
export const LATEST_REPORT_PATH = "monitoring/latest.json";
/** Where the full reports live, relative to the model's directory in the registry. */
export const REPORTS_DIR = "monitoring/reports";
