import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Compile } from "typebox/compile";
import { parseMetadata } from "../../../src/model/metadata.js";
import { mulberry32 } from "../../../src/model/explain/prng.js";
import { computeReport, runMonitoringJob } from "../../../src/monitoring/quality/job.js";
import { LatestReportSchema } from "../../../src/monitoring/quality/latest.js";
import type { MonitoringReport } from "../../../src/monitoring/quality/report.js";
import { PACKAGE_ROOT } from "../../../src/package-root.js";
import { Registry } from "../../../src/registry/registry.js";
import { FileStore } from "../../../src/storage/file-store.js";
import { builtInVersionDir } from "../../support/app.js";
import {
  outcomeRecord,
  predictionRecord,
  sampleFromBaselines,
  writeLog,
  type Instance,
} from "../../support/prediction-log-files.js";

const WINDOW = { start: new Date("2026-11-29T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
const SETTINGS = {
  drift: { threshold: 0.3, thresholds: new Map<string, number>() },
  maxAucDrop: 0.05,
  minOutcomes: 100,
};
const metadata = parseMetadata(
  await readFile(path.join(builtInVersionDir(), "metadata.json")),
  "metadata.json",
);

let root: string;
let registryDir: string;
let logCount = 0;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), "monitor-job-"));
  registryDir = path.join(root, "registry");
  await cp(path.join(builtInVersionDir()), path.join(registryDir, "lead-scoring", "1.0.0"), {
    recursive: true,
  });
});
after(() => rm(root, { recursive: true, force: true }));

/** A fresh log directory holding `records` (and `extraLines` in each object). */
async function logOf(
  ...args: Parameters<typeof writeLog> extends [string, ...infer R] ? R : never
) {
  const dir = path.join(root, `log-${logCount++}`);
  await writeLog(dir, ...args);
  return new FileStore(dir);
}

function job(log: FileStore, settings = SETTINGS) {
  return {
    log,
    registry: new FileStore(registryDir),
    model: "lead-scoring",
    window: WINDOW,
    settings,
    now: () => new Date("2026-12-01T00:00:05Z"),
  };
}

/** Predictions of `instances` (lead ids L-0…) with seeded scores, and an outcome for each. */
function recordsOf(instances: Instance[], seed = 1) {
  const random = mulberry32(seed);
  return instances.flatMap((fields, i) => {
    const score = random();
    return [
      predictionRecord({ lead_id: `L-${i}`, score, fields }),
      outcomeRecord({ lead_id: `L-${i}`, converted: random() < score }),
    ];
  });
}

const alerting = (report: MonitoringReport) =>
  report.versions[0]!.drift!.fields.filter((f) => f.alerting).map((f) => f.field);

describe("monitoring job: drift over the window", () => {
  it("flags no field on instances drawn from the baselines, and exactly the shifted fields after a shift", async () => {
    const instances = sampleFromBaselines(metadata, 3000, 42);
    const calm = await computeReport(job(await logOf(recordsOf(instances))));
    assert.equal(calm.versions[0]!.drift!.fields.length, Object.keys(metadata.baselines!).length);
    assert.deepEqual(alerting(calm), []);
    assert.ok(calm.versions[0]!.drift!.fields.every((f) => f.value !== null && f.count === 3000));

    // A numeric field moved up past its training range; a categorical field's mix changed.
    const shifted = instances.map((instance, i) => ({
      ...instance,
      total_time_spent_on_website:
        typeof instance.total_time_spent_on_website === "number"
          ? instance.total_time_spent_on_website + 2500
          : null,
      lead_origin: i % 3 === 0 ? "API" : "Lead Add Form",
    }));
    const report = await computeReport(job(await logOf(recordsOf(shifted))));
    assert.deepEqual(alerting(report).sort(), ["lead_origin", "total_time_spent_on_website"]);
    assert.equal(report.status, "alert");
    assert.equal(report.versions[0]!.alerts.filter((a) => a.startsWith("drift:")).length, 2);
  });

  it("judges the score too when the version has a score baseline", async () => {
    const registry = path.join(root, "registry-with-score-baseline");
    const versionDir = path.join(registry, "lead-scoring", "1.0.0");
    await cp(builtInVersionDir(), versionDir, { recursive: true });
    const score_baseline = {
      type: "numeric",
      bin_edges: [0, 0.25, 0.5, 0.75, 1],
      frequencies: [0.25, 0.25, 0.25, 0.25],
      missing_fraction: 0,
    };
    await writeFile(
      path.join(versionDir, "metadata.json"),
      JSON.stringify({ ...metadata, score_baseline }),
    );
    const records = sampleFromBaselines(metadata, 400, 9).map((fields, i) =>
      predictionRecord({ lead_id: `Q-${i}`, score: 0.9 + (i % 10) / 100, fields }),
    );
    const report = await computeReport({
      ...job(await logOf(records)),
      registry: new FileStore(registry),
    });
    const score = report.versions[0]!.drift!.score!;
    assert.equal(score.count, 400);
    assert.equal(score.bins.find((bin) => bin.label === "[0.75, 1]")!.count, 400);
    assert.equal(score.alerting, true);
    assert.deepEqual(report.versions[0]!.alerts, [
      `drift: score jensen_shannon ${score.value!.toFixed(4)} > 0.3`,
    ]);
  });

  it("does not judge fields the log left out (PREDICTION_LOG_EXCLUDE_FIELDS)", async () => {
    const instances = sampleFromBaselines(metadata, 500, 7).map((instance) => {
      const logged = { ...instance };
      delete logged.city;
      return logged;
    });
    const report = await computeReport(job(await logOf(recordsOf(instances))));
    assert.deepEqual(report.versions[0]!.drift!.fields_not_logged, ["city"]);
    assert.ok(!report.versions[0]!.drift!.fields.some((f) => f.field === "city"));
  });
});

describe("monitoring job: quality on joined outcomes", () => {
  it("computes sklearn's ROC-AUC on the joined pairs (known-AUC fixture) to 1e-9", async () => {
    const fixture = JSON.parse(
      await readFile(path.join(PACKAGE_ROOT, "test", "fixtures", "quality-metrics.json"), "utf8"),
    ) as {
      cases: {
        name: string;
        scores: number[];
        labels: number[];
        roc_auc: number;
        pr_auc: number;
      }[];
    };
    const known = fixture.cases.find((c) => c.name.startsWith("binormal n=3000"))!;
    const records = known.scores.flatMap((score, i) => [
      predictionRecord({ lead_id: `K-${i}`, score }),
      outcomeRecord({ lead_id: `K-${i}`, converted: known.labels[i] === 1 }),
    ]);
    const report = await computeReport(job(await logOf(records)));
    const version = report.versions[0]!;
    assert.equal(version.outcomes_joined, known.scores.length);
    assert.ok(Math.abs(version.quality.roc_auc.value! - known.roc_auc) <= 1e-9);
    assert.ok(Math.abs(version.quality.pr_auc.value! - known.pr_auc) <= 1e-12);
    assert.equal(version.threshold, 0.5);
    assert.equal(version.threshold_source, "metadata");
    assert.equal(version.calibration.length, 10);
    // Binormal d=1.2 gives AUC ≈ 0.80 < training 0.869 - 0.05: a quality alert.
    assert.ok(
      version.alerts.some((a) => a.startsWith("quality: roc_auc")),
      version.quality_note,
    );
  });

  it("judges quality only with --min-outcomes joined outcomes", async () => {
    const records = Array.from({ length: 20 }, (_, i) => [
      predictionRecord({ lead_id: `M-${i}`, score: i % 2 === 0 ? 0.9 : 0.1 }),
      outcomeRecord({ lead_id: `M-${i}`, converted: i % 4 === 0 }),
    ]).flat();
    // Twenty made-up scores drift from the version's score baseline: not what this judges.
    const settings = {
      ...SETTINGS,
      drift: { ...SETTINGS.drift, thresholds: new Map([["score", 1]]) },
    };
    const report = await computeReport(job(await logOf(records), settings));
    const version = report.versions[0]!;
    assert.equal(version.quality_judged, false);
    assert.match(version.quality_note, /fewer than --min-outcomes 100/);
    assert.deepEqual(version.alerts, []);
    assert.equal(report.status, "healthy");
  });
});

describe("monitoring job: bad input is counted, never a crash", () => {
  it("counts malformed lines, unknown ids, duplicates, rescored leads, missing ids and unknown versions", async () => {
    const records = [
      // L-1 scored twice before its outcome: the later score (0.8) is used.
      predictionRecord({ lead_id: "L-1", score: 0.2, time: "2026-11-30T09:00:00.000Z" }),
      predictionRecord({ lead_id: "L-1", score: 0.8, time: "2026-11-30T10:00:00.000Z" }),
      // ... and once after it: not used.
      predictionRecord({ lead_id: "L-1", score: 0.1, time: "2026-11-30T13:00:00.000Z" }),
      predictionRecord({ lead_id: "L-2", score: 0.3 }),
      predictionRecord({ lead_id: null, score: 0.5 }),
      predictionRecord({ lead_id: "L-3", score: 0.6, model_version: "9.9.9" }),
      // L-4 scored only after its outcome arrived.
      predictionRecord({ lead_id: "L-4", score: 0.6, time: "2026-11-30T14:00:00.000Z" }),
      // At the window's end, which is exclusive: its date=2026-12-01 partition is not listed.
      predictionRecord({ lead_id: "L-5", score: 0.6, time: "2026-12-01T00:00:00.000Z" }),
      // Before the window's start on a listed date (the window is not day-aligned): ignored.
      predictionRecord({ lead_id: "L-6", score: 0.6, time: "2026-11-29T05:59:59.999Z" }),
      // L-1: three outcomes; the latest observed_at (converted) wins.
      outcomeRecord({ lead_id: "L-1", converted: false, observed_at: "2026-11-30T10:30:00Z" }),
      outcomeRecord({ lead_id: "L-1", converted: true, observed_at: "2026-11-30T11:30:00Z" }),
      outcomeRecord({ lead_id: "L-1", converted: false, observed_at: "2026-11-30T11:00:00Z" }),
      outcomeRecord({ lead_id: "L-2", converted: false }),
      outcomeRecord({ lead_id: "L-3", converted: true }),
      outcomeRecord({ lead_id: "L-4", converted: true }),
      outcomeRecord({ lead_id: "nobody", converted: true }),
    ];
    const malformed = ["{not json", '{"kind":"prediction","score":"high"}', "[]", "null"];
    const log = await logOf(records, { extraLines: malformed });
    // A broken object on a date outside the window: its partition is never listed.
    await writeLog(
      path.join(log.location),
      [outcomeRecord({ lead_id: "x", converted: true, time: "2026-11-20T00:00:00Z" })],
      {
        extraLines: ["{broken"],
      },
    );
    const report = await computeReport({
      ...job(log),
      window: { start: new Date("2026-11-29T06:00:00Z"), end: WINDOW.end },
    });
    assert.deepEqual(report.join, {
      predictions: 7,
      lookback_predictions: 0,
      predictions_without_lead_id: 1,
      outcomes: 7,
      duplicate_outcomes: 2,
      outcomes_unknown_lead: 1,
      outcomes_before_prediction: 1,
      rescored_leads: 1,
      joined: 3,
    });
    // 4 bad lines in each object in the window: 2 prediction versions on 2026-11-30, one on
    // 2026-11-29 (L-6), and the outcomes.
    assert.equal(report.log.malformed_lines, 16);
    assert.equal(report.log.malformed.length, 4);
    assert.ok(report.log.malformed.every((m) => m.lines === 4 && m.object.endsWith(".ndjson")));

    const [known, unknown] = report.versions;
    assert.equal(known!.version, "1.0.0");
    assert.equal(known!.outcomes_joined, 2);
    assert.equal(known!.quality.mean_score.value, (0.8 + 0.3) / 2, "L-1's latest score before");
    assert.equal(known!.quality.positive_rate.value, 0.5, "L-1 converted (latest observed_at)");
    assert.equal(unknown!.version, "9.9.9");
    assert.equal(unknown!.in_registry, false);
    assert.equal(unknown!.drift, null);
    assert.match(unknown!.drift_skipped!, /not in the registry/);
    assert.equal(unknown!.outcomes_joined, 1);
    assert.equal(unknown!.quality.brier.value, (0.6 - 1) ** 2, "quality still computed");
    assert.equal(unknown!.threshold_source, "default");
    assert.equal(unknown!.quality.roc_auc.value, null);
    assert.match(unknown!.quality.roc_auc.reason!, /every joined lead converted/);
  });

  it("joins the window's outcomes to predictions of the lookback before it, which drift never sees", async () => {
    const records = [
      // Scored 20 days before the window, converted within it: joined with a 30-day lookback.
      predictionRecord({ lead_id: "L-old", score: 0.9, time: "2026-11-09T10:00:00.000Z" }),
      // Scored 40 days before: beyond the lookback, an unknown lead.
      predictionRecord({ lead_id: "L-older", score: 0.1, time: "2026-10-20T10:00:00.000Z" }),
      predictionRecord({ lead_id: "L-new", score: 0.2 }),
      outcomeRecord({ lead_id: "L-old", converted: true }),
      outcomeRecord({ lead_id: "L-older", converted: false }),
      outcomeRecord({ lead_id: "L-new", converted: false }),
      // Received before the window: another run's outcome, even though its lead is known.
      outcomeRecord({ lead_id: "L-old", converted: false, time: "2026-11-10T00:00:00.000Z" }),
    ];
    const log = await logOf(records);
    const DAY = 86_400_000;
    const month = await computeReport({ ...job(log), lookbackMs: 30 * DAY });
    assert.equal(month.settings.lookback_hours, 720);
    assert.equal(month.join.predictions, 1, "only the window's predictions are monitored");
    assert.equal(month.join.lookback_predictions, 1);
    assert.equal(month.join.outcomes, 3);
    assert.equal(month.join.outcomes_unknown_lead, 1);
    assert.equal(month.join.joined, 2);
    const version = month.versions[0]!;
    assert.equal(version.predictions, 1);
    assert.equal(version.quality.mean_score.value, (0.9 + 0.2) / 2);
    assert.equal(version.quality.roc_auc.value, 1);

    const none = await computeReport(job(log));
    assert.equal(none.join.lookback_predictions, 0);
    assert.equal(none.join.outcomes_unknown_lead, 2);
    assert.equal(none.join.joined, 1);
  });

  it("reports an empty window as empty: exit-worthy 0, null metrics with reasons, no NaN", async () => {
    const log = await logOf([]);
    const run = await runMonitoringJob(job(log));
    assert.equal(run.report.status, "empty");
    assert.deepEqual(run.report.versions, []);
    assert.equal(run.latest.status, "empty");
    const html = await readFile(path.join(registryDir, run.written.html), "utf8");
    assert.match(html, /The window is empty/);
    assert.doesNotMatch(html + JSON.stringify(run.report), /NaN|Infinity/);
  });
});

describe("monitoring job: report files", () => {
  it("writes the JSON and HTML reports named by window, then a valid latest.json; a rerun replaces them", async () => {
    const records = recordsOf(sampleFromBaselines(metadata, 200, 3));
    const log = await logOf(records);
    const first = await runMonitoringJob(job(log));
    assert.equal(
      first.written.json,
      "lead-scoring/monitoring/reports/20261129T000000Z--20261201T000000Z.json",
    );
    assert.equal(first.written.latest, "lead-scoring/monitoring/latest.json");
    const latest = JSON.parse(
      await readFile(path.join(registryDir, first.written.latest), "utf8"),
    ) as unknown;
    assert.ok(Compile(LatestReportSchema).Check(latest));
    assert.deepEqual(latest, first.latest);
    assert.equal(
      first.latest.report.html,
      "monitoring/reports/20261129T000000Z--20261201T000000Z.html",
    );
    const json = JSON.parse(
      await readFile(path.join(registryDir, first.written.json), "utf8"),
    ) as MonitoringReport;
    assert.equal(json.versions[0]!.predictions, 200);
    const again = await runMonitoringJob(job(log));
    assert.equal(again.report.versions[0]!.predictions, 200);
  });

  it("leaves version listing alone: monitoring/ is not a version", async () => {
    await runMonitoringJob(job(await logOf([])));
    const store = new FileStore(registryDir);
    assert.ok((await store.listDirectories("lead-scoring")).includes("monitoring"));
    assert.deepEqual(await new Registry(store, "lead-scoring").versions(), ["1.0.0"]);
  });

  it("escapes every string from the log in the HTML report, and needs no network", async () => {
    const evil = `<script>alert("x")</script>`;
    const records = [
      predictionRecord({
        lead_id: "X-1",
        score: 0.5,
        model_version: `<img src=x onerror=alert(1)>`,
      }),
      outcomeRecord({ lead_id: "X-1", converted: true }),
    ];
    const log = await logOf(records, {
      object: `${evil.replace(/\//g, "_")}.ndjson`,
      extraLines: [evil],
    });
    const run = await runMonitoringJob(job(log));
    const html = await readFile(path.join(registryDir, run.written.html), "utf8");
    assert.doesNotMatch(html, /<script|<img|onerror=alert\(1\)>/i);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;_script&gt;\.ndjson/);
    assert.doesNotMatch(html, /<link|src=["']?https?:|url\(/i);
  });
});

describe("monitoring job: a rollout's shadow records", () => {
  it("never count as answers: the join, the counts and the versions ignore them", async () => {
    const random = mulberry32(7);
    const answers = Array.from({ length: 200 }, (_, i) => {
      const score = random();
      return [
        predictionRecord({ lead_id: `S-${i}`, score }),
        outcomeRecord({ lead_id: `S-${i}`, converted: random() < score }),
      ];
    }).flat();
    // The candidate scored the same leads at the same time, with the opposite ranking.
    const shadow = answers
      .filter((record) => record.kind === "prediction")
      .map((record) => ({
        ...record,
        model_version: "1.0.1",
        score: 1 - record.score,
        shadow: true as const,
      }));
    const plain = await computeReport(job(await logOf(answers)));
    const withShadow = await computeReport(job(await logOf([...answers, ...shadow])));
    assert.deepEqual(
      withShadow.versions.map((version) => version.version),
      ["1.0.0"],
    );
    assert.deepEqual(withShadow.versions[0]!.quality, plain.versions[0]!.quality);
    assert.equal(withShadow.versions[0]!.outcomes_joined, 200);
    assert.equal(withShadow.versions[0]!.predictions, 200);
  });
});
