import { Counter, Gauge, type Registry } from "prom-client";
import type { LatestReport } from "../quality/latest.js";

/** Why a read of latest.json was not used: unparsable or off-contract, or not readable at all. */
export type ReportReadFailure = "invalid" | "unreadable";

/**
 * The monitoring job's latest headline (`<registry>/<model>/monitoring/latest.json`) as
 * Prometheus series, so that alert rules can fire on realized model quality and on the job's
 * drift verdicts. The series always mirror one report: showing a new one replaces them all, so
 * a version that left the report leaves the scrape, and cardinality is bounded by the report.
 */
export class QualityGauges {
  private readonly quality: Gauge<"model" | "version" | "metric">;
  private readonly outcomes: Gauge<"model" | "version">;
  private readonly driftAlerting: Gauge<"model" | "version" | "field">;
  private readonly alert: Gauge<"model" | "version">;
  private readonly generatedAt: Gauge<"model">;
  private readonly readFailures: Counter<"reason">;

  constructor(prefix: string, registry: Registry) {
    const registers = [registry];
    this.quality = new Gauge({
      name: `${prefix}model_quality`,
      help:
        "Quality of a version on the outcomes joined to its predictions in the monitoring job's " +
        "latest window, by metric (roc_auc, pr_auc, log_loss, brier, precision, recall, f1, …).",
      labelNames: ["model", "version", "metric"] as const,
      registers,
    });
    this.outcomes = new Gauge({
      name: `${prefix}model_quality_outcomes`,
      help: "Predictions joined to an outcome in the monitoring job's latest window: the sample size.",
      labelNames: ["model", "version"] as const,
      registers,
    });
    this.driftAlerting = new Gauge({
      name: `${prefix}monitoring_drift_alerting`,
      help: "1 when the monitoring job found a field's drift over its threshold (whole window, all pods).",
      labelNames: ["model", "version", "field"] as const,
      registers,
    });
    this.alert = new Gauge({
      name: `${prefix}monitoring_alert`,
      help: "1 when the monitoring job's latest run raised alerts for the version (it exited 3).",
      labelNames: ["model", "version"] as const,
      registers,
    });
    this.generatedAt = new Gauge({
      name: `${prefix}monitoring_report_timestamp_seconds`,
      help: "When the monitoring job wrote latest.json (Unix seconds): alert when it grows old.",
      labelNames: ["model"] as const,
      registers,
    });
    this.readFailures = new Counter({
      name: `${prefix}monitoring_report_read_failures_total`,
      help:
        "Reads of monitoring/latest.json not used, by reason: invalid (not the job's format; " +
        "counted once per file) or unreadable (storage failed; counted per attempt).",
      labelNames: ["reason"] as const,
      registers,
    });
    for (const reason of ["invalid", "unreadable"] as const) this.readFailures.inc({ reason }, 0);
  }

  /** Replaces every series with the figures of `report`, the latest.json of `model`. */
  show(model: string, report: LatestReport): void {
    this.clear();
    this.generatedAt.set({ model }, Date.parse(report.generated_at) / 1000);
    for (const summary of report.versions) {
      const labels = { model, version: summary.version };
      this.outcomes.set(labels, summary.outcomes_joined);
      this.alert.set(labels, summary.alerts.length > 0 ? 1 : 0);
      for (const [metric, value] of Object.entries(summary.quality)) {
        if (value !== null) this.quality.set({ ...labels, metric }, value);
      }
      for (const [field, verdict] of Object.entries(summary.drift)) {
        this.driftAlerting.set({ ...labels, field }, verdict.alerting ? 1 : 0);
      }
    }
  }

  /** No report (the file is absent): no series. */
  clear(): void {
    for (const gauge of [
      this.quality,
      this.outcomes,
      this.driftAlerting,
      this.alert,
      this.generatedAt,
    ]) {
      gauge.reset();
    }
  }

  readFailed(reason: ReportReadFailure): void {
    this.readFailures.inc({ reason });
  }
}
