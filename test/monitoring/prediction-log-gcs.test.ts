import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import type { ScoredBatch } from "../../src/dataplane/observer.js";
import { Metrics } from "../../src/monitoring/metrics.js";
import { PredictionLog } from "../../src/monitoring/prediction-log/prediction-log.js";
import type { LogRecord } from "../../src/monitoring/prediction-log/record.js";
import { Sampler } from "../../src/monitoring/prediction-log/sampler.js";
import { GcsSink } from "../../src/monitoring/prediction-log/sinks/gcs.js";
import type { MonitoringReport } from "../../src/monitoring/quality/report.js";
import { PACKAGE_ROOT } from "../../src/package-root.js";
import { createStorageClient } from "../../src/storage/gcs-store.js";
import { builtInGolden, builtInModel, builtInVersion, builtInVersionDir } from "../support/app.js";
import { forward, startFakeApi, unavailable, type FakeApi } from "../support/fake-api.js";
import {
  emulatorOrSkip,
  startFakeGcs,
  type FakeGcs,
  type FakeGcsStart,
} from "../support/fake-gcs.js";
import { exitOf, freePort, startServer, waitFor } from "../support/server-process.js";

const BUCKET = "prediction-log";
const TEST_TIMEOUT = { timeout: 60_000 };
const OBJECT_NAME =
  /^(run-\d+\/)?(predictions\/date=\d{4}-\d\d-\d\d\/model=lead-scoring\/version=[\w.-]+|outcomes\/date=\d{4}-\d\d-\d\d)\/[\w.-]+-[0-9a-f]{8}-\d{8}T\d{6}Z-\d{6}\.ndjson$/;

const model = await builtInModel();

function scoredBatch(rows: number, firstId: number): ScoredBatch {
  return {
    model,
    input: {
      kind: "instances",
      instances: Array.from({ length: rows }, () => ({ total_visits: 1 })),
    },
    scores: new Float32Array(rows),
    ids: Array.from({ length: rows }, (_, i) => `L-${firstId + i}`),
    context: { requestId: `req-${firstId}` },
  };
}

/** Every record under `prefix`, and the object names they came from. */
async function readAll(
  gcs: FakeGcs,
  prefix: string,
): Promise<{ names: string[]; records: LogRecord[] }> {
  const [files] = await gcs.storage.bucket(BUCKET).getFiles({ prefix });
  const records: LogRecord[] = [];
  for (const file of files) {
    const [bytes] = await file.download();
    const text = bytes.toString("utf8");
    assert.ok(text.endsWith("\n"), `${file.name} is newline-terminated`);
    for (const line of text.trimEnd().split("\n")) records.push(JSON.parse(line) as LogRecord);
  }
  return { names: files.map((file) => file.name), records };
}

/**
 * `lead-scoring monitor --log <gs://…> --registry <dir> --json` over the last hour, pointed at
 * the emulator with GCS_API_ENDPOINT, against a registry directory holding the built-in version.
 */
async function monitorJob(gcs: FakeGcs, log: string) {
  const registry = await mkdtemp(path.join(tmpdir(), "monitor-registry-"));
  try {
    await cp(builtInVersionDir(), path.join(registry, "lead-scoring", builtInVersion()), {
      recursive: true,
    });
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(PACKAGE_ROOT, "src", "cli", "main.ts"), "monitor"].concat([
        "--log",
        log,
        "--registry",
        registry,
        "--since",
        "1h",
        "--min-outcomes",
        "10",
        "--json",
      ]),
      {
        cwd: PACKAGE_ROOT,
        env: { PATH: process.env.PATH ?? "", GCS_API_ENDPOINT: gcs.endpoint },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await exitOf(child);
    return { code, stdout, stderr };
  } finally {
    await rm(registry, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("prediction log in Cloud Storage (fake-gcs-server)", () => {
  let started: FakeGcsStart | undefined;
  let proxy: FakeApi | undefined;
  /** While set, the proxy in front of the emulator answers 503 to this share of requests. */
  let outage: "all" | "every-other" | undefined;

  before(async () => {
    started = await startFakeGcs();
    const gcs = started.gcs;
    if (gcs === undefined) return;
    await gcs.createBucket(BUCKET);
    proxy = await startFakeApi((request, response, count) => {
      if (outage === "all" || (outage === "every-other" && count % 2 === 0)) {
        request.resume();
        unavailable(response);
      } else {
        forward(gcs.endpoint, request, response);
      }
    });
  });
  after(async () => {
    await proxy?.close();
    await started?.gcs?.stop();
  });

  const emulator = (t: TestContext) => emulatorOrSkip(started, t);

  function logThroughProxy(prefix: string, options: { bufferRecords: number; metrics: Metrics }) {
    const storage = createStorageClient({ apiEndpoint: proxy!.endpoint, requestTimeoutMs: 5000 });
    return new PredictionLog({
      sink: new GcsSink({ uri: `gs://${BUCKET}/${prefix}`, storage, pod: "pod-a" }),
      sampler: new Sampler(1),
      bufferRecords: options.bufferRecords,
      batchRecords: 10,
      batchSeconds: 0.02,
      retryDelayMs: 10,
      maxRetryDelayMs: 50,
      observer: options.metrics,
    });
  }

  it(
    "an outage in the middle of a run loses nothing and duplicates nothing (batches retried)",
    TEST_TIMEOUT,
    async (t) => {
      const gcs = emulator(t);
      if (gcs === undefined) return;
      const metrics = new Metrics({ processMetrics: false });
      const log = logThroughProxy("run-1", { bufferRecords: 10_000, metrics });
      let next = 0;
      const score = (rows: number) => {
        log.scored(scoredBatch(rows, next));
        log.outcomes(
          [{ lead_id: `L-${next}`, converted: true, observed_at: "2026-11-30T00:00:00Z" }],
          {},
        );
        next += rows;
      };
      for (let i = 0; i < 5; i++) score(7);
      await sleep(100);
      outage = "all";
      for (let i = 0; i < 5; i++) score(7);
      await sleep(100);
      outage = "every-other"; // batches half written: the retry must not write them twice
      for (let i = 0; i < 5; i++) score(7);
      await sleep(100);
      outage = undefined;
      for (let i = 0; i < 5; i++) score(7);
      await log.close(10_000);

      const { names, records } = await readAll(gcs, "run-1/");
      for (const name of names) assert.match(name, OBJECT_NAME);
      const predictions = records.filter((r) => r.kind === "prediction").map((r) => r.lead_id);
      const outcomes = records.filter((r) => r.kind === "outcome");
      assert.equal(predictions.length, 140, "every prediction written once");
      assert.equal(new Set(predictions).size, 140, "no prediction written twice");
      assert.equal(outcomes.length, 20);
      const failures = (await metrics.logWriteFailures.get()).values[0]?.value ?? 0;
      assert.ok(failures > 0, "the outage was felt");
      const dropped = (await metrics.logDrops.get()).values.reduce((sum, v) => sum + v.value, 0);
      assert.equal(dropped, 0);
    },
  );

  it(
    "an outage longer than the buffer drops what does not fit, counts it, and writes the rest",
    TEST_TIMEOUT,
    async (t) => {
      const gcs = emulator(t);
      if (gcs === undefined) return;
      const metrics = new Metrics({ processMetrics: false });
      const log = logThroughProxy("run-2", { bufferRecords: 25, metrics });
      outage = "all";
      for (let i = 0; i < 10; i++) log.scored(scoredBatch(10, i * 10));
      await sleep(100);
      const drops = async () =>
        (await metrics.logDrops.get()).values.find((v) => v.labels.reason === "buffer_full")
          ?.value ?? 0;
      assert.equal(await drops(), 75);
      outage = undefined;
      await log.close(10_000);
      const { records } = await readAll(gcs, "run-2/");
      assert.equal(records.length, 25);
      assert.equal(records.length + (await drops()), 100, "written + dropped = scored");
    },
  );

  const golden = builtInGolden();
  const instance = (id: string) => ({ ...golden.rows[0]!.instance, lead_id: id });

  async function serviceOn(gcs: FakeGcs, prefix: string) {
    const port = await freePort();
    const server = startServer({
      PORT: String(port),
      METRICS_PORT: "0",
      DRAIN_SECONDS: "0",
      GCS_API_ENDPOINT: gcs.endpoint,
      PREDICTION_LOG: "gcs",
      PREDICTION_LOG_URI: `gs://${BUCKET}/${prefix}`,
      // Nothing is written before SIGTERM unless the buffer asks: the drain must flush it.
      PREDICTION_LOG_BATCH_SECONDS: "3600",
      PREDICTION_LOG_EXCLUDE_FIELDS: "lead_origin",
    });
    await waitFor(() => server.output().includes("model ready"), "model ready");
    const base = `http://127.0.0.1:${port}`;
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    return { ...server, post };
  }

  it("the service writes its buffer on SIGTERM, inside the drain", TEST_TIMEOUT, async (t) => {
    const gcs = emulator(t);
    if (gcs === undefined) return;
    const service = await serviceOn(gcs, "run-3");
    try {
      const scored = await service.post("/predict", {
        instances: [instance("A-1"), instance("A-2")],
      });
      assert.equal(scored.status, 200);
      assert.deepEqual(scored.body.leadIds, ["A-1", "A-2"]);
      const feedback = await service.post("/feedback", {
        outcomes: [{ lead_id: "A-1", converted: true, observed_at: "2026-11-30T00:00:00Z" }],
      });
      assert.equal(feedback.status, 202);
      assert.equal((await readAll(gcs, "run-3/")).records.length, 0, "nothing written yet");
      service.child.kill("SIGTERM");
      assert.equal(await exitOf(service.child), 0, service.output());
      const { records } = await readAll(gcs, "run-3/");
      assert.deepEqual(records.map((r) => `${r.kind} ${r.lead_id}`).sort(), [
        "outcome A-1",
        "prediction A-1",
        "prediction A-2",
      ]);
      const prediction = records.find((r) => r.kind === "prediction")!;
      assert.ok(prediction.kind === "prediction" && prediction.fields !== null);
      assert.ok(!("lead_origin" in prediction.fields), "the denylisted field is not logged");
    } finally {
      service.child.kill("SIGKILL");
    }
  });

  it(
    "two service processes write to one bucket: distinct objects, both processes' records, none lost; the monitoring job joins them",
    TEST_TIMEOUT,
    async (t) => {
      const gcs = emulator(t);
      if (gcs === undefined) return;
      const [one, two] = await Promise.all([serviceOn(gcs, "run-4"), serviceOn(gcs, "run-4")]);
      try {
        // Predictions on one process, the outcome for each on the other (as behind a balancer).
        for (let i = 0; i < 20; i++) {
          const [scorer, reporter] = i % 2 === 0 ? [one, two] : [two, one];
          assert.equal(
            (await scorer.post("/predict", { instances: [instance(`B-${i}`)] })).status,
            200,
          );
          const outcome = {
            lead_id: `B-${i}`,
            converted: i % 3 === 0,
            observed_at: "2026-11-30T00:00:00Z",
          };
          assert.equal((await reporter.post("/feedback", { outcomes: [outcome] })).status, 202);
        }
        one.child.kill("SIGTERM");
        two.child.kill("SIGTERM");
        assert.equal(await exitOf(one.child), 0, one.output());
        assert.equal(await exitOf(two.child), 0, two.output());
        const { names, records } = await readAll(gcs, "run-4/");
        assert.equal(new Set(names).size, names.length);
        // <pod>-<run>-<time>-<seq>.ndjson: the random run token tells the two processes apart.
        const runs = new Set(names.map((name) => /-([0-9a-f]{8})-\d{8}T/.exec(name)?.[1]));
        assert.equal(runs.size, 2, `objects from both processes: ${names.join(", ")}`);
        const ids = (kind: string) =>
          records
            .filter((r) => r.kind === kind)
            .map((r) => r.lead_id)
            .sort();
        const all = Array.from({ length: 20 }, (_, i) => `B-${i}`).sort();
        assert.deepEqual(ids("prediction"), all);
        assert.deepEqual(ids("outcome"), all);

        // The monitoring job joins what the two processes wrote, across them.
        const job = await monitorJob(gcs, `gs://${BUCKET}/run-4`);
        const report = JSON.parse(job.stdout) as MonitoringReport;
        // 20 copies of one lead are far from the training mix: drift alerts, exit 3.
        assert.equal(job.code, 3, job.stderr);
        assert.equal(report.status, "alert");
        assert.equal(report.log.objects_read, names.length);
        assert.equal(report.join.predictions, 20);
        assert.equal(report.join.outcomes, 20);
        assert.equal(
          report.join.joined,
          20,
          "each outcome found its prediction on the other process",
        );
        const [version] = report.versions;
        assert.equal(version!.version, builtInVersion(), "the version the services logged");
        assert.equal(version!.outcomes_joined, 20);
        assert.equal(version!.quality.positive_rate.value, 7 / 20, "B-0, B-3 … B-18 converted");
        assert.ok(version!.drift!.fields_not_logged.includes("lead_origin"), "denylisted");
      } finally {
        one.child.kill("SIGKILL");
        two.child.kill("SIGKILL");
      }
    },
  );
});
