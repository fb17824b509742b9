import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LoadedModel } from "../../src/model/loaded-model.js";
import { compileDriftTables } from "../../src/monitoring/drift/bins.js";
import { DriftMonitor, type DriftOptions } from "../../src/monitoring/drift/monitor.js";
import { Metrics } from "../../src/monitoring/metrics.js";
import { builtInGolden, builtInModel, buildTestApp } from "../support/app.js";

const OPTIONS: DriftOptions = {
  windowSize: 10_000,
  windowSeconds: 3600,
  threshold: 0.3,
  thresholds: new Map(),
};

const goldenInstances = () => builtInGolden().rows.map((row) => row.instance);

/** Golden rows with two fields moved far from training: one numeric, one categorical. */
const shifted = () =>
  goldenInstances().map((instance) => ({
    ...instance,
    total_time_spent_on_website: 5000,
    lead_origin: "Lead Import",
  }));

/** The built-in model with a score baseline, as a pipeline run now writes one. */
async function withScoreBaseline(): Promise<LoadedModel> {
  const model = await builtInModel();
  const score_baseline = {
    type: "numeric" as const,
    bin_edges: [0, 0.25, 0.5, 0.75, 1],
    frequencies: [0.25, 0.25, 0.25, 0.25],
    missing_fraction: 0,
  };
  return {
    name: model.name,
    version: "9.9.9",
    metadata: { ...model.metadata, score_baseline },
    preprocessor: model.preprocessor,
  } as unknown as LoadedModel;
}

describe("drift tables compiled at load", () => {
  it("has one table per raw field of the model and a score table exactly with a score baseline", async () => {
    const model = await builtInModel();
    const tables = compileDriftTables(model.metadata, model.preprocessor.spec)!;
    assert.deepEqual(
      tables.fields.map((field) => field.name),
      model.preprocessor.spec.fields.map((field) => field.name),
    );
    assert.equal(tables.score === undefined, model.metadata.score_baseline === undefined);
    const visits = tables.fields.find((field) => field.name === "total_time_spent_on_website")!;
    assert.equal(visits.labels.at(-1), "missing");
    assert.equal(visits.labels[0], "[0, 54)");
    const origin = tables.fields.find((field) => field.name === "lead_origin")!;
    assert.deepEqual(origin.labels.slice(-2), ["missing", "unseen"]);
  });

  it("counts absent, null and the Select sentinel as missing, and unknown categories as unseen", async () => {
    const model = await builtInModel();
    const monitor = new DriftMonitor(
      model,
      compileDriftTables(model.metadata, model.preprocessor.spec)!,
      OPTIONS,
    );
    monitor.observe(
      [{ city: "Select" }, { city: null }, {}, { city: "Atlantis" }],
      new Float32Array(4),
    );
    const city = monitor.report().fields.find((field) => field.field === "city")!;
    const count = (label: string) => city.bins.find((bin) => bin.label === label)!.count;
    assert.equal(count("missing"), 3);
    assert.equal(count("unseen"), 1);
    assert.equal(city.statistics.unseen_rate, 0.25);
  });

  it("v2: a string equal to the fill value is unseen, as the model scores it; v1: missing", async () => {
    const model = await builtInModel();
    const countsFor = (format: string) => {
      const spec = { ...model.preprocessor.spec, format };
      const monitor = new DriftMonitor(model, compileDriftTables(model.metadata, spec)!, OPTIONS);
      monitor.observe([{ city: "missing" }, { city: null }], new Float32Array(2));
      const city = monitor.report().fields.find((field) => field.field === "city")!;
      const count = (label: string) => city.bins.find((bin) => bin.label === label)!.count;
      return [count("missing"), count("unseen")];
    };
    assert.deepEqual(countsFor("lead-scoring-preprocessor/v1"), [2, 0]);
    assert.deepEqual(countsFor("lead-scoring-preprocessor/v2"), [1, 1]);
  });

  it("histograms the scores when the version has a score baseline, also for preprocessed rows", async () => {
    const model = await withScoreBaseline();
    const monitor = new DriftMonitor(
      model,
      compileDriftTables(model.metadata, model.preprocessor.spec)!,
      OPTIONS,
    );
    monitor.observe(undefined, Float32Array.from([0.9, 0.95, 1, 0.8]));
    const report = monitor.report();
    assert.equal(report.window.size, 4);
    assert.deepEqual(
      report.score!.bins.map((bin) => bin.count),
      [0, 0, 0, 4, 0],
    );
    assert.equal(report.score!.alerting, true);
    assert.ok(report.fields.every((field) => field.count === 0 && field.value === null));
  });

  it("applies the age window with an injected clock", async () => {
    let now = 0;
    const model = await builtInModel();
    const options = { ...OPTIONS, windowSeconds: 60, now: () => now };
    const monitor = new DriftMonitor(
      model,
      compileDriftTables(model.metadata, model.preprocessor.spec)!,
      options,
    );
    monitor.observe(goldenInstances(), new Float32Array(200));
    now = 30_000;
    monitor.observe(goldenInstances().slice(0, 10), new Float32Array(10));
    assert.equal(monitor.windowSize(), 210);
    now = 60_001;
    assert.equal(monitor.windowSize(), 10);
  });
});

describe("online drift in the service", () => {
  it("alerts on exactly the shifted fields, in /metrics and GET /v1/models/<name>/monitoring", async () => {
    const { app } = await buildTestApp({
      env: { METRICS_PORT: "0", DRIFT_THRESHOLDS: "country=0.9" },
    });
    const post = (instances: object[]) =>
      app.inject({ method: "POST", url: "/predict", payload: { instances } });
    assert.equal((await post(goldenInstances())).statusCode, 200);

    let body = (
      await app.inject({ method: "GET", url: "/v1/models/lead-scoring/monitoring" })
    ).json<{
      enabled: boolean;
      window: { size: number; capacity: number; seconds: number };
      fields: { field: string; alerting: boolean; threshold: number; count: number }[];
    }>();
    assert.equal(body.enabled, true);
    assert.deepEqual(body.window, { size: 200, capacity: 10_000, seconds: 3600 });
    assert.deepEqual(
      body.fields.filter((field) => field.alerting).map((field) => field.field),
      [],
    );
    assert.equal(body.fields.find((field) => field.field === "country")!.threshold, 0.9);

    // 50 shifted batches of 200 fill the 10,000-instance window with shifted rows only.
    for (let i = 0; i < 50; i++) assert.equal((await post(shifted())).statusCode, 200);
    body = (await app.inject({ method: "GET", url: "/v1/models/lead-scoring/monitoring" })).json();
    assert.equal(body.window.size, 10_000);
    assert.deepEqual(
      body.fields
        .filter((field) => field.alerting)
        .map((field) => field.field)
        .sort(),
      ["lead_origin", "total_time_spent_on_website"],
    );

    const text = (await app.inject({ method: "GET", url: "/metrics" })).body;
    assert.match(
      text,
      /lead_scoring_feature_drift\{model="lead-scoring",version="[\d.]+",field="lead_origin",statistic="l_infinity"\} 0\.9/,
    );
    assert.match(
      text,
      /lead_scoring_feature_drift_alerting\{model="lead-scoring",version="[\d.]+",field="total_time_spent_on_website"\} 1/,
    );
    assert.match(
      text,
      /lead_scoring_drift_window_instances\{model="lead-scoring",version="[\d.]+"\} 10000/,
    );
    const fields = new Set(
      [...text.matchAll(/lead_scoring_feature_drift\{[^}]*field="([^"]+)"/g)].map((m) => m[1]),
    );
    const model = await builtInModel();
    assert.deepEqual([...fields].sort(), model.preprocessor.spec.fields.map((f) => f.name).sort());
    await app.close();
  });

  it("drops a version's drift state and series when it is released", async () => {
    const metrics = new Metrics({ processMetrics: false, drift: OPTIONS });
    const model = await withScoreBaseline();
    metrics.serving(model, "production");
    metrics.scored({
      model,
      input: { kind: "instances", instances: goldenInstances() },
      scores: new Float32Array(200),
    });
    assert.match(await metrics.registry.metrics(), /version="9\.9\.9"/);
    assert.ok(metrics.drift!.find(model.name, "9.9.9"));
    metrics.released(model);
    assert.equal(metrics.drift!.find(model.name, "9.9.9"), undefined);
    assert.doesNotMatch(await metrics.registry.metrics(), /drift.*version="9\.9\.9"/);
  });

  it("is off with MONITORING_ENABLED=false: no drift series, the route says so", async () => {
    const { app, metrics } = await buildTestApp({
      env: { METRICS_PORT: "0", MONITORING_ENABLED: "false" },
    });
    await app.inject({
      method: "POST",
      url: "/predict",
      payload: { instances: goldenInstances() },
    });
    assert.equal(metrics.drift, undefined);
    // The online drift's metrics; the monitoring job's verdicts (monitoring_drift_alerting) are
    // another matter, read from its report.
    assert.doesNotMatch(
      (await app.inject({ method: "GET", url: "/metrics" })).body,
      /lead_scoring_(feature_drift|prediction_drift|drift_window)/,
    );
    const body = (
      await app.inject({ method: "GET", url: "/v1/models/lead-scoring/monitoring" })
    ).json<{ enabled: boolean }>();
    assert.equal(body.enabled, false);
    const other = await app.inject({ method: "GET", url: "/v1/models/other/monitoring" });
    assert.equal(other.statusCode, 404);
    await app.close();
  });
});
