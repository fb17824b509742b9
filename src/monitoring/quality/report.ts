import type { FieldReport } from "../drift/field-report.js";
import type { CalibrationBin } from "./calibration.js";
import type { JoinCounts } from "./join.js";
import type { LatestReport, QualityMetric } from "./latest.js";
import type { MalformedObject } from "./log-reader.js";
import type { Figure, RocCurve } from "./metrics.js";
import type { RankingReport } from "./ranking-report.js";
import type { WindowDrift } from "./window-drift.js";

/** The full JSON report of one run: `<registry>/<model>/monitoring/reports/<window>.json`. */
export interface MonitoringReport {
  readonly schema: 1;
  readonly model: string;
  readonly generated_at: string;
  readonly window: { readonly start: string; readonly end: string; readonly name: string };
  readonly status: LatestReport["status"];
  readonly settings: {
    readonly drift_threshold: number;
    readonly drift_thresholds: Readonly<Record<string, number>>;
    readonly max_auc_drop: number;
    readonly min_outcomes: number;
    /** How far before the window the predictions that outcomes join to may be. */
    readonly lookback_hours: number;
  };
  readonly log: {
    readonly location: string;
    readonly objects_read: number;
    /** Lines skipped (not JSON, or not a prediction/outcome record), per object. */
    readonly malformed: readonly MalformedObject[];
    readonly malformed_lines: number;
  };
  readonly join: JoinCounts;
  readonly versions: readonly VersionReport[];
}

export interface VersionReport {
  readonly version: string;
  /** False for a version in the log that the registry does not have: no baseline, no drift. */
  readonly in_registry: boolean;
  readonly predictions: number;
  readonly outcomes_joined: number;
  /** The threshold precision/recall/F1 are taken at, and where it came from. */
  readonly threshold: number;
  readonly threshold_source: "metadata" | "default";
  readonly quality: Readonly<Record<QualityMetric, Figure>>;
  /** The version's held-out metrics from metadata.json (null when not in the registry). */
  readonly training: Readonly<Partial<Record<QualityMetric, number>>> | null;
  /** Whether the quality alert was judged: enough outcomes, and a training ROC-AUC to compare. */
  readonly quality_judged: boolean;
  readonly quality_note: string;
  readonly roc_curve: RocCurve | null;
  readonly calibration: readonly CalibrationBin[];
  /** Lift, capture and precision at k % and the gains curve, realized beside training. */
  readonly ranking: RankingReport;
  /** Null with drift_skipped when the version has no baselines or is not in the registry. */
  readonly drift: WindowDrift | null;
  readonly drift_skipped?: string;
  readonly alerts: readonly string[];
}

/** The alert lines of one field's drift verdict. */
export function driftAlerts(fields: readonly FieldReport[]): string[] {
  return fields
    .filter((field) => field.alerting)
    .map(
      (field) =>
        `drift: ${field.field} ${field.statistic} ${field.value!.toFixed(4)} > ${field.threshold}`,
    );
}

/** latest.json's headline of a full report (latest.ts is the schema). */
export function latestOf(report: MonitoringReport, paths: LatestReport["report"]): LatestReport {
  return {
    schema: 1,
    model: report.model,
    generated_at: report.generated_at,
    window: { start: report.window.start, end: report.window.end },
    report: paths,
    status: report.status,
    versions: report.versions.map((version) => ({
      version: version.version,
      predictions: version.predictions,
      outcomes_joined: version.outcomes_joined,
      quality: Object.fromEntries(
        Object.entries(version.quality).map(([metric, figure]) => [metric, figure.value]),
      ),
      drift: Object.fromEntries(
        (version.drift?.fields ?? []).map((field) => [
          field.field,
          {
            statistic: field.statistic,
            value: field.value,
            threshold: field.threshold,
            alerting: field.alerting,
          },
        ]),
      ),
      alerts: [...version.alerts],
    })),
  };
}
