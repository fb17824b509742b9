import assert from "node:assert/strict";
import { after, before, describe, it, type TestContext } from "node:test";
import { ArtifactError, StorageUnavailableError } from "../../src/errors.js";
import { loadPinnedModel } from "../../src/lifecycle/pinned-source.js";
import { builtInGolden, builtInVersionDir } from "../support/app.js";
import { captureLog } from "../support/capture-log.js";
import { freePort, startFakeGcs, type FakeGcsStart } from "../support/fake-gcs.js";

const BUCKET = "models";

/** The default model served from gs:// through @google-cloud/storage against fake-gcs-server. */
describe("loading the model from gs://", () => {
  let started: FakeGcsStart;
  const golden = builtInGolden();

  before(async () => {
    started = await startFakeGcs();
    if (started.gcs === undefined) return;
    await started.gcs.createBucket(BUCKET);
    const version = golden.model_version;
    await started.gcs.uploadDirectory(
      BUCKET,
      `registry/lead-scoring/${version}`,
      builtInVersionDir(),
    );
    // A copy with one flipped byte in model.onnx.
    await started.gcs.uploadDirectory(BUCKET, "corrupt/lead-scoring/1.0.0", builtInVersionDir());
    const file = started.gcs.storage.bucket(BUCKET).file("corrupt/lead-scoring/1.0.0/model.onnx");
    const [bytes] = await file.download();
    bytes.writeUInt8(bytes.readUInt8(100) ^ 0xff, 100);
    await file.save(bytes);
  });
  after(() => started.gcs?.stop());

  const gcs = (t: TestContext) => {
    if (started.gcs === undefined) t.skip(started.skipReason);
    return started.gcs;
  };

  it("loads the highest version of a registry model and reproduces the golden rows", async (t) => {
    const fake = gcs(t);
    if (fake === undefined) return;
    const model = await loadPinnedModel(`gs://${BUCKET}/registry/lead-scoring`, {
      threads: 1,
      storage: { apiEndpoint: fake.endpoint },
    });
    assert.equal(model.version, golden.model_version);
    assert.match(model.source, /^gs:\/\/models\/registry\/lead-scoring\//);
    const predictions = await model.predict(golden.rows.map((row) => row.instance));
    golden.rows.forEach((row, i) => assert.ok(Math.abs(predictions[i]! - row.prediction) <= 1e-5));
    await model.release();
  });

  it("rejects a corrupted file, naming its gs:// URI", async (t) => {
    const fake = gcs(t);
    if (fake === undefined) return;
    await assert.rejects(
      loadPinnedModel(`gs://${BUCKET}/corrupt/lead-scoring`, {
        threads: 1,
        storage: { apiEndpoint: fake.endpoint },
      }),
      (error: unknown) => {
        assert.ok(error instanceof ArtifactError);
        assert.match(
          error.message,
          /gs:\/\/models\/corrupt\/lead-scoring\/1\.0\.0\/model\.onnx is corrupt/,
        );
        return true;
      },
    );
  });

  it("retries an unreachable endpoint with backoff, then fails with a clear error", async () => {
    const port = await freePort(); // nothing listens there
    const { log, lines } = captureLog();
    await assert.rejects(
      loadPinnedModel(`gs://${BUCKET}/registry/lead-scoring`, {
        threads: 1,
        storage: {
          apiEndpoint: `http://127.0.0.1:${port}`,
          retry: { maxRetries: 2, totalTimeoutSeconds: 5, maxRetryDelaySeconds: 0.05 },
          log,
        },
      }),
      (error: unknown) => {
        assert.ok(error instanceof StorageUnavailableError, String(error));
        assert.match(
          error.message,
          /gs:\/\/models\/registry\/lead-scoring.*gave up after 3 attempts/,
        );
        return true;
      },
    );
    // One warning per retried attempt; the last failure is the caller's to report.
    assert.deepEqual(
      lines.map((line) => [line.severity, line.attempt]),
      [
        ["WARNING", 1],
        ["WARNING", 2],
      ],
    );
  });
});
