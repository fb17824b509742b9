import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { StorageUnavailableError } from "../../src/errors.js";
import { Metrics } from "../../src/monitoring/metrics.js";
import { QualityReportPoller } from "../../src/monitoring/quality-report/poller.js";
import { FileStore } from "../../src/storage/file-store.js";
import { GcsStore } from "../../src/storage/gcs-store.js";
import { captureLog } from "../support/capture-log.js";
import { startFakeGcs, type FakeGcsStart } from "../support/fake-gcs.js";
import {
  latestReport,
  qualityReportContract,
  qualitySeries,
  readFailures,
  REPORT_PATH,
  summary,
} from "./quality-report-contract.js";

describe("quality report poller on a local registry", () => {
  const roots: string[] = [];
  const fresh = async () => {
    const root = await mkdtemp(path.join(tmpdir(), "lead-scoring-quality-"));
    roots.push(root);
    return new FileStore(root);
  };
  after(() => Promise.all(roots.map((root) => rm(root, { recursive: true, force: true }))));

  qualityReportContract(async () => {
    const store = await fresh();
    return {
      store,
      remove: (file) => rm(path.join(store.location, ...file.split("/"))),
    };
  });

  it("counts every failed read while storage is down, logs it once, keeps the figures", async () => {
    const store = await fresh();
    let down = false;
    const flaky = Object.create(store) as FileStore;
    flaky.generation = (file) =>
      down
        ? Promise.reject(new StorageUnavailableError("storage is down"))
        : store.generation(file);
    await store.replace(
      REPORT_PATH,
      Buffer.from(JSON.stringify(latestReport([summary("1.0.0")], "2026-12-01T06:00:00Z"))),
      undefined,
    );
    const metrics = new Metrics({ processMetrics: false });
    const { log, lines } = captureLog();
    const poller = new QualityReportPoller({
      store: flaky,
      model: "lead-scoring",
      gauges: metrics.qualityReport,
      log,
    });
    await poller.check();
    const good = qualitySeries(await metrics.registry.metrics());
    assert.ok(good.length > 0);
    down = true;
    for (let i = 0; i < 3; i++) await poller.check();
    const text = await metrics.registry.metrics();
    assert.equal(readFailures(text, "unreadable"), 3);
    assert.deepEqual(qualitySeries(text), good);
    const warnings = lines.filter((line) => line.severity === "WARNING");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /cannot read the monitoring report.*storage is down/);
  });
});

/** The same on Cloud Storage semantics (generations are object generations), on the emulator. */
describe("quality report poller on gs:// (fake-gcs-server)", () => {
  let started: FakeGcsStart;
  let bucket = 0;
  before(async () => {
    started = await startFakeGcs();
  });
  after(() => started.gcs?.stop());

  qualityReportContract(async () => {
    const gcs = started.gcs;
    if (gcs === undefined) {
      console.log(`# skipped: ${started.skipReason}`);
      return undefined;
    }
    const name = `quality-${++bucket}`;
    await gcs.createBucket(name);
    return {
      store: new GcsStore({ bucket: name, prefix: "registry", apiEndpoint: gcs.endpoint }),
      remove: async (file) => {
        await gcs.storage.bucket(name).file(`registry/${file}`).delete();
      },
    };
  });
});
