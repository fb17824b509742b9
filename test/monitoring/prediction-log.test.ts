import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ScoredBatch } from "../../src/dataplane/observer.js";
import { Metrics } from "../../src/monitoring/metrics.js";
import { PredictionLog } from "../../src/monitoring/prediction-log/prediction-log.js";
import {
  FieldFilter,
  type LogRecord,
  type PredictionRecord,
} from "../../src/monitoring/prediction-log/record.js";
import { Sampler } from "../../src/monitoring/prediction-log/sampler.js";
import type { LogBatch, LogSink } from "../../src/monitoring/prediction-log/sink.js";
import { StdoutSink } from "../../src/monitoring/prediction-log/sinks/stdout.js";
import { mulberry32 } from "../../src/model/explain/prng.js";
import { builtInModel } from "../support/app.js";

/** A sink in memory that can be taken down and brought back. */
class MemorySink implements LogSink {
  readonly name = "memory";
  readonly batches: LogBatch[] = [];
  down = false;
  attempts = 0;
  write(batch: LogBatch): Promise<void> {
    this.attempts++;
    if (this.down) return Promise.reject(new Error("sink is down"));
    this.batches.push(batch);
    return Promise.resolve();
  }
  get records(): LogRecord[] {
    return this.batches.flatMap((batch) => batch.records);
  }
}

const model = await builtInModel();

function batchOf(rows: number, extra: Partial<ScoredBatch> = {}): ScoredBatch {
  return {
    model,
    input: {
      kind: "instances",
      instances: Array.from({ length: rows }, (_, i) => ({ email: `p${i}@x`, total_visits: i })),
    },
    scores: Float32Array.from({ length: rows }, (_, i) => i / rows),
    context: { requestId: "req-1" },
    ...extra,
  };
}

function logWith(sink: LogSink, options: Partial<ConstructorParameters<typeof PredictionLog>[0]>) {
  return new PredictionLog({
    sink,
    sampler: new Sampler(1),
    bufferRecords: 1000,
    batchRecords: 100,
    batchSeconds: 60,
    retryDelayMs: 5,
    maxRetryDelayMs: 20,
    ...options,
  });
}

const value = async (metrics: Metrics, name: string, labels: Record<string, string> = {}) => {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const found = metric?.values.find((v) =>
    Object.entries(labels).every(([key, want]) => v.labels[key] === want),
  );
  return found?.value ?? 0;
};

describe("prediction log", () => {
  it("samples each instance with the configured rate (seeded), none at 0 and all at 1", () => {
    assert.deepEqual(new Sampler(0).rows(1000), []);
    assert.equal(new Sampler(1).rows(1000).length, 1000);
    const sampled = new Sampler(0.1, mulberry32(7)).rows(100_000).length;
    assert.ok(Math.abs(sampled - 10_000) < 500, `${sampled} of 100000 at rate 0.1`);
    assert.deepEqual(
      new Sampler(0.3, mulberry32(1)).rows(50),
      new Sampler(0.3, mulberry32(1)).rows(50),
    );
    assert.throws(() => new Sampler(1.5), /0\.\.1/);
  });

  it("keeps only allowlisted fields, or every field but the denylisted ones", () => {
    const instance = { email: "a@b", phone: "1", total_visits: 3, lead_origin: "API" };
    assert.deepEqual(new FieldFilter({ fields: ["total_visits"] }).pick(instance), {
      total_visits: 3,
    });
    assert.deepEqual(new FieldFilter({ excludeFields: ["email", "phone"] }).pick(instance), {
      total_visits: 3,
      lead_origin: "API",
    });
    assert.deepEqual(new FieldFilter().pick(instance), instance);
  });

  it("a record holds time, request id, lead id, model, version, score, label and fields", async () => {
    const sink = new MemorySink();
    const log = logWith(sink, { filter: new FieldFilter({ excludeFields: ["email"] }) });
    log.scored(
      batchOf(2, {
        ids: ["L-1", undefined],
        labels: Uint8Array.of(0, 1),
        input: {
          kind: "instances",
          threshold: 0.4,
          instances: [
            { email: "a@b", total_visits: 1 },
            { email: "c@d", total_visits: 2 },
          ],
        },
      }),
    );
    assert.equal(log.size, 0, "records are built after the request, not during it");
    await log.flush();
    const [first, second] = sink.records as PredictionRecord[];
    assert.equal(first?.kind, "prediction");
    assert.match(first?.time ?? "", /^\d{4}-\d\d-\d\dT/);
    assert.equal(first?.request_id, "req-1");
    assert.equal(first?.lead_id, "L-1");
    assert.equal(second?.lead_id, null);
    assert.equal(first?.model, model.name);
    assert.equal(first?.model_version, model.version);
    assert.equal(first?.score, 0);
    assert.equal(second?.score, 0.5);
    assert.deepEqual([first?.label, second?.label, first?.threshold], [0, 1, 0.4]);
    assert.deepEqual(first?.fields, { total_visits: 1 });
  });

  it("a preprocessed tensor (V2 FP32) has no input fields to log", async () => {
    const sink = new MemorySink();
    const log = logWith(sink, {});
    log.scored(batchOf(1, { input: { kind: "features", features: new Float32Array(1), rows: 1 } }));
    await log.flush();
    assert.equal((sink.records[0] as PredictionRecord).fields, null);
  });

  it("the stdout sink writes one Cloud Logging entry per record, labelled for a log sink", async () => {
    const lines: string[] = [];
    const log = logWith(new StdoutSink((text) => void lines.push(text)), {});
    log.scored(batchOf(2));
    log.outcomes([{ lead_id: "L-1", converted: true, observed_at: "2026-11-30T10:00:00Z" }], {
      requestId: "req-2",
    });
    await log.flush();
    const entries = lines
      .join("")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(entries.length, 3);
    const prediction = entries.find((entry) => entry.kind === "prediction")!;
    assert.equal(prediction.severity, "INFO");
    assert.match(prediction.time as string, /Z$/);
    assert.deepEqual(prediction["logging.googleapis.com/labels"], {
      lead_scoring_log: "prediction",
    });
    assert.equal(prediction.request_id, "req-1");
    const outcome = entries.find((entry) => entry.kind === "outcome")!;
    assert.deepEqual(outcome["logging.googleapis.com/labels"], { lead_scoring_log: "outcome" });
    assert.deepEqual(
      [outcome.lead_id, outcome.converted, outcome.observed_at, outcome.request_id],
      ["L-1", true, "2026-11-30T10:00:00Z", "req-2"],
    );
  });

  it("writes a batch once batchRecords wait, without a flush", async () => {
    const sink = new MemorySink();
    const log = logWith(sink, { batchRecords: 10 });
    log.scored(batchOf(25));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(
      sink.batches.map((batch) => batch.records.length),
      [10, 10, 5],
    );
  });

  it("writes what waits after batchSeconds", async () => {
    const sink = new MemorySink();
    const log = logWith(sink, { batchSeconds: 0.05 });
    log.scored(batchOf(3));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(sink.records.length, 0);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(sink.records.length, 3);
  });

  it("an outage buffers up to the bound, drops and counts the rest, then writes what it kept", async () => {
    const sink = new MemorySink();
    const metrics = new Metrics({ processMetrics: false });
    const log = logWith(sink, { bufferRecords: 50, batchRecords: 10, observer: metrics });
    sink.down = true;
    for (let i = 0; i < 8; i++) log.scored(batchOf(10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(log.size, 50);
    assert.ok(sink.attempts >= 2, "it retried");
    assert.equal(
      await value(metrics, "lead_scoring_prediction_log_dropped_total", { reason: "buffer_full" }),
      30,
    );
    assert.equal(await value(metrics, "lead_scoring_prediction_log_buffered_records"), 50);
    assert.ok((await value(metrics, "lead_scoring_prediction_log_write_failures_total")) >= 2);
    sink.down = false;
    await log.flush();
    assert.equal(sink.records.length, 50);
    assert.equal(log.size, 0);
    assert.equal(
      await value(metrics, "lead_scoring_prediction_log_records_total", { kind: "prediction" }),
      50,
    );
    // A retried batch is the same batch: same seq, so a sink can name it idempotently.
    const seqs = sink.batches.map((batch) => batch.seq);
    assert.deepEqual(
      seqs,
      [...new Set(seqs)].sort((a, b) => a - b),
    );
  });

  it("close() flushes what waits; then new records are dropped as closed", async () => {
    const sink = new MemorySink();
    const metrics = new Metrics({ processMetrics: false });
    const log = logWith(sink, { observer: metrics });
    log.scored(batchOf(7));
    await log.close(1000);
    assert.equal(sink.records.length, 7);
    log.outcomes([{ lead_id: "L", converted: false, observed_at: "2026-01-01T00:00:00Z" }], {});
    assert.equal(
      await value(metrics, "lead_scoring_prediction_log_dropped_total", { reason: "closed" }),
      1,
    );
  });

  it("close() gives up at its deadline on a sink that stays down, counting the loss", async () => {
    const sink = new MemorySink();
    sink.down = true;
    const metrics = new Metrics({ processMetrics: false });
    const log = logWith(sink, { observer: metrics });
    log.scored(batchOf(4));
    const started = Date.now();
    await log.close(100);
    assert.ok(Date.now() - started < 1000);
    assert.equal(
      await value(metrics, "lead_scoring_prediction_log_dropped_total", { reason: "shutdown" }),
      4,
    );
  });

  it("scoring never waits for the sink: scored() returns at once with a sink that hangs", () => {
    const log = logWith(
      { name: "hang", write: () => new Promise(() => undefined) },
      { batchRecords: 1 },
    );
    const started = performance.now();
    for (let i = 0; i < 100; i++) log.scored(batchOf(10));
    assert.ok(performance.now() - started < 100);
  });
});
