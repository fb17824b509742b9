import assert from "node:assert/strict";
import { it } from "node:test";
import { Metrics } from "../../src/monitoring/metrics.js";
import { QualityReportPoller } from "../../src/monitoring/quality-report/poller.js";
import type { LatestReport, VersionQualitySummary } from "../../src/monitoring/quality/latest.js";
import type { ArtifactStore } from "../../src/storage/store.js";
import { captureLog, type LogLine } from "../support/capture-log.js";

export const REPORT_PATH = "lead-scoring/monitoring/latest.json";

/** A registry store for one test, and how to delete a file from it (the store cannot). */
export interface ReportBackend {
  readonly store: ArtifactStore;
  remove(path: string): Promise<void>;
}

/** One version's summary as the job writes it; `overrides` changes any part. */
export function summary(
  version: string,
  overrides: Partial<VersionQualitySummary> = {},
): VersionQualitySummary {
  return {
    version,
    predictions: 1000,
    outcomes_joined: 200,
    quality: { roc_auc: 0.81, pr_auc: 0.62, log_loss: 0.45, brier: 0.14, precision: null },
    drift: {
      total_visits: { statistic: "jensen_shannon", value: 0.05, threshold: 0.3, alerting: false },
      lead_origin: { statistic: "l_infinity", value: 0.41, threshold: 0.3, alerting: true },
    },
    alerts: ["lead_origin: l_infinity 0.41 > 0.3"],
    ...overrides,
  };
}

export function latestReport(versions: VersionQualitySummary[], generatedAt: string): LatestReport {
  return {
    schema: 1,
    model: "lead-scoring",
    generated_at: generatedAt,
    window: { start: "2026-11-30T00:00:00Z", end: generatedAt },
    report: { json: "monitoring/reports/x.json", html: "monitoring/reports/x.html" },
    status: versions.some((v) => v.alerts.length > 0) ? "alert" : "healthy",
    versions,
  };
}

/** The quality series of a scrape, one "name{labels} value" line each, sorted. */
export function qualitySeries(scrape: string): string[] {
  return scrape
    .split("\n")
    .filter((line) =>
      /^lead_scoring_(model_quality|monitoring_(drift_alerting|alert|report_timestamp))/.test(line),
    )
    .sort();
}

/** The read-failure counter's value for `reason` in a scrape. */
export function readFailures(scrape: string, reason: "invalid" | "unreadable"): number {
  const match = new RegExp(
    `^lead_scoring_monitoring_report_read_failures_total\\{reason="${reason}"\\} (\\d+)$`,
    "m",
  ).exec(scrape);
  assert.ok(match, `no read-failure counter for ${reason}`);
  return Number(match[1]);
}

/**
 * What the poller guarantees on every registry backend (a local directory, the GCS emulator).
 * `fresh` gives an empty store for one test, or undefined when the backend is unavailable.
 */
export function qualityReportContract(fresh: () => Promise<ReportBackend | undefined>): void {
  const setup = async () => {
    const backend = await fresh();
    if (backend === undefined) return undefined;
    const metrics = new Metrics({ processMetrics: false });
    const { log, lines } = captureLog();
    const poller = new QualityReportPoller({
      store: backend.store,
      model: "lead-scoring",
      gauges: metrics.qualityReport,
      log,
    });
    const write = async (content: string | object) => {
      const bytes = Buffer.from(typeof content === "string" ? content : JSON.stringify(content));
      await backend.store.replace(REPORT_PATH, bytes, await backend.store.generation(REPORT_PATH));
    };
    const scrape = async () => {
      await poller.check();
      return metrics.registry.metrics();
    };
    const warnings = (): LogLine[] => lines.filter((line) => line.severity === "WARNING");
    return { backend, poller, write, scrape, warnings };
  };

  it("exports nothing while there is no report, then every non-null figure of one", async (t) => {
    const s = await setup();
    if (s === undefined) return t.skip("backend unavailable");
    assert.deepEqual(qualitySeries(await s.scrape()), []);
    await s.write(latestReport([summary("1.0.0")], "2026-12-01T06:00:00Z"));
    const text = await s.scrape();
    const labels = 'model="lead-scoring",version="1.0.0"';
    assert.deepEqual(qualitySeries(text), [
      `lead_scoring_model_quality_outcomes{${labels}} 200`,
      `lead_scoring_model_quality{${labels},metric="brier"} 0.14`,
      `lead_scoring_model_quality{${labels},metric="log_loss"} 0.45`,
      `lead_scoring_model_quality{${labels},metric="pr_auc"} 0.62`,
      `lead_scoring_model_quality{${labels},metric="roc_auc"} 0.81`,
      `lead_scoring_monitoring_alert{${labels}} 1`,
      `lead_scoring_monitoring_drift_alerting{${labels},field="lead_origin"} 1`,
      `lead_scoring_monitoring_drift_alerting{${labels},field="total_visits"} 0`,
      `lead_scoring_monitoring_report_timestamp_seconds{model="lead-scoring"} 1796104800`,
    ]);
    assert.equal(readFailures(text, "invalid"), 0);
    assert.equal(readFailures(text, "unreadable"), 0);
  });

  it("replaces the series when the file is replaced: a version that left the report goes", async (t) => {
    const s = await setup();
    if (s === undefined) return t.skip("backend unavailable");
    await s.write(latestReport([summary("1.0.0"), summary("1.0.1")], "2026-12-01T06:00:00Z"));
    assert.match(await s.scrape(), /version="1\.0\.0"/);
    const healthy = summary("1.0.1", {
      quality: { roc_auc: 0.77 },
      drift: {},
      alerts: [],
      outcomes_joined: 350,
    });
    await s.write(latestReport([healthy], "2026-12-01T07:00:00Z"));
    const labels = 'model="lead-scoring",version="1.0.1"';
    assert.deepEqual(qualitySeries(await s.scrape()), [
      `lead_scoring_model_quality_outcomes{${labels}} 350`,
      `lead_scoring_model_quality{${labels},metric="roc_auc"} 0.77`,
      `lead_scoring_monitoring_alert{${labels}} 0`,
      `lead_scoring_monitoring_report_timestamp_seconds{model="lead-scoring"} 1796108400`,
    ]);
  });

  it("counts and logs an invalid file once, keeps the last good figures, recovers", async (t) => {
    const s = await setup();
    if (s === undefined) return t.skip("backend unavailable");
    await s.write(latestReport([summary("1.0.0")], "2026-12-01T06:00:00Z"));
    const good = qualitySeries(await s.scrape());
    assert.ok(good.length > 0);

    await s.write("{ not json");
    let text = await s.scrape();
    text = await s.scrape(); // the same bad file is not read, counted or logged again
    assert.deepEqual(qualitySeries(text), good);
    assert.equal(readFailures(text, "invalid"), 1);
    assert.equal(s.warnings().length, 1);
    assert.match(s.warnings()[0]!.message, /latest\.json is not valid JSON/);

    // Off-contract: another schema version, a figure of the wrong type, another model's report.
    const report = latestReport([summary("1.0.0")], "2026-12-01T08:00:00Z");
    for (const bad of [
      { ...report, schema: 2 },
      { ...report, versions: [{ ...summary("1.0.0"), outcomes_joined: "many" }] },
      { ...report, generated_at: "yesterday" },
      { ...report, model: "churn" },
    ]) {
      await s.write(bad);
      text = await s.scrape();
    }
    assert.deepEqual(qualitySeries(text), good);
    assert.equal(readFailures(text, "invalid"), 5);
    assert.equal(s.warnings().length, 5);
    assert.match(s.warnings()[4]!.message, /reports on model "churn", not "lead-scoring"/);

    await s.write(report);
    assert.match(
      qualitySeries(await s.scrape()).join("\n"),
      /report_timestamp_seconds\{model="lead-scoring"\} 1796112000/,
    );
  });

  it("drops every series when the file is deleted, and shows the same file written again", async (t) => {
    const s = await setup();
    if (s === undefined) return t.skip("backend unavailable");
    const report = latestReport([summary("1.0.0")], "2026-12-01T06:00:00Z");
    await s.write(report);
    const shown = qualitySeries(await s.scrape());
    assert.ok(shown.length > 0);
    await s.backend.remove(REPORT_PATH);
    assert.deepEqual(qualitySeries(await s.scrape()), []);
    await s.write(report);
    assert.deepEqual(qualitySeries(await s.scrape()), shown);
  });
}
