import assert from "node:assert/strict";
import { once } from "node:events";
import type { Socket } from "node:net";
import { after, before, describe, it, type TestContext } from "node:test";
import { ArtifactError, ConflictError, StorageUnavailableError } from "../../src/errors.js";
import { GcsStore, type GcsStoreOptions } from "../../src/storage/gcs-store.js";
import { captureLog, type LogLine } from "../support/capture-log.js";
import {
  forward,
  startFakeApi,
  startSilentServer,
  unavailable,
  type FakeApi,
} from "../support/fake-api.js";
import { freePort, startFakeGcs, type FakeGcs, type FakeGcsStart } from "../support/fake-gcs.js";

const BUCKET = "models";
// Time bounds are the budget plus this much: the machine running the tests may be busy.
const SLACK_MS = 3_000;
const TEST_TIMEOUT = { timeout: 20_000 };

type StoreOptions = Omit<GcsStoreOptions, "bucket" | "prefix" | "log"> & {
  prefix?: string;
};

/** A `Store` on `apiEndpoint` whose warnings are kept in `lines`. */
function storeWithLog<S>(
  Store: new (options: GcsStoreOptions) => S,
  apiEndpoint: string,
  options: StoreOptions = {},
): { store: S; lines: LogLine[] } {
  const { log, lines } = captureLog();
  const store = new Store({ bucket: BUCKET, prefix: "", apiEndpoint, log, ...options });
  return { store, lines };
}

/** Milliseconds `promise` took to reject with StorageUnavailableError; returns that error too. */
async function unavailableAfter(promise: Promise<unknown>): Promise<[number, Error]> {
  const startedAt = performance.now();
  const error = await promise.then(
    () => assert.fail("expected StorageUnavailableError"),
    (thrown: unknown) => thrown,
  );
  assert.ok(error instanceof StorageUnavailableError, String(error));
  return [performance.now() - startedAt, error];
}

describe("GCS retries: visible, bounded by the budget", () => {
  it("warns once per retried attempt and gives up within the budget", TEST_TIMEOUT, async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`; // refused
    const retry = { maxRetries: 1000, totalTimeoutSeconds: 3, maxRetryDelaySeconds: 0.3 };
    const { store, lines } = storeWithLog(GcsStore, endpoint, { retry });
    const [elapsed, error] = await unavailableAfter(store.readFile("m/1.0.0/metadata.json"));

    assert.ok(elapsed < 3_000 + SLACK_MS, `gave up after ${elapsed} ms`);
    // It stops only once less is left than the shortest back-off (0.15 s).
    assert.ok(elapsed > 3_000 - 150, `used the budget (${elapsed} ms)`);
    assert.ok(lines.length >= 2, `${lines.length} warnings`);
    assert.match(error.message, new RegExp(`gave up after ${lines.length + 1} attempts`));
    assert.match(error.message, /the 3s budget left no time for another retry/);
    assert.match(error.message, /: connect ECONNREFUSED/);

    lines.forEach((line, i) => {
      assert.equal(line.severity, "WARNING");
      assert.equal(line.attempt, i + 1);
      assert.equal(line.operation, "read");
      assert.equal(line.uri, "gs://models/m/1.0.0/metadata.json");
      assert.match(String(line.error), /^connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
      assert.equal(line.budgetSeconds, 3);
      const [delay, left] = [Number(line.nextDelaySeconds), Number(line.remainingBudgetSeconds)];
      assert.ok(
        delay > 0 && delay <= 0.3 && delay <= left / 2 + 0.001,
        `delay ${delay}, ${left} left`,
      );
    });
    const remaining = lines.map((line) => Number(line.remainingBudgetSeconds));
    assert.ok(
      remaining.every((seconds, i) => seconds > 0 && (i === 0 || seconds < remaining[i - 1]!)),
      `remaining budget shrinks: ${remaining.join(", ")}`,
    );
    assert.match(
      lines[1]!.message,
      /^cannot read gs:\/\/models\/m\/1\.0\.0\/metadata\.json: attempt 2 failed \(connect ECONNREFUSED [\d.:]+\); retrying in 0\.\d+s, 2\.\d+s of 3s budget left$/,
    );
  });

  it("ends a silent server's call at the budget", TEST_TIMEOUT, async () => {
    const silent = await startSilentServer();
    try {
      const { store, lines } = storeWithLog(GcsStore, silent.endpoint, {
        retry: { totalTimeoutSeconds: 1.5 },
        requestTimeoutMs: 60_000,
      });
      const [elapsed, error] = await unavailableAfter(store.exists("m/x.json"));
      assert.ok(elapsed < 1_500 + SLACK_MS, `gave up after ${elapsed} ms`);
      assert.match(error.message, /gave up after 1 attempt in [\d.]+s \(the 1\.5s budget/);
      assert.match(error.message, /no answer within 1\.5s/);
      assert.deepEqual(lines, [], "the only attempt used the whole budget: nothing to retry");
    } finally {
      silent.close();
    }
  });

  it("retries a silent server at each request timeout, with warnings", TEST_TIMEOUT, async () => {
    const silent = await startSilentServer();
    try {
      const { store, lines } = storeWithLog(GcsStore, silent.endpoint, {
        retry: { maxRetries: 2, totalTimeoutSeconds: 10, maxRetryDelaySeconds: 0.05 },
        requestTimeoutMs: 300,
      });
      const [elapsed, error] = await unavailableAfter(store.listDirectories("m"));
      assert.ok(elapsed < 3 * 300 + SLACK_MS, `gave up after ${elapsed} ms`);
      assert.match(error.message, /gave up after 3 attempts/);
      assert.equal(lines.length, 2);
      for (const line of lines) {
        // Our timer and the client's own request timeout race; either is a timed-out attempt.
        assert.match(String(line.error), /no answer within 0\.3s|network timeout/);
      }
      assert.equal(silent.requests(), 3);
    } finally {
      silent.close();
    }
  });

  it("tears down a download whose body stalls, within the budget", TEST_TIMEOUT, async () => {
    // Headers and a first byte, then nothing: the client's own request timeout never fires here.
    const sockets: Socket[] = [];
    const api = await startFakeApi((request, response) => {
      sockets.push(request.socket);
      response.writeHead(200, { "content-type": "application/octet-stream", "content-length": 10 });
      response.write("x");
    });
    try {
      const { store } = storeWithLog(GcsStore, api.endpoint, {
        retry: { totalTimeoutSeconds: 1 },
        requestTimeoutMs: 60_000,
      });
      const [elapsed, error] = await unavailableAfter(store.readFile("m/model.onnx"));
      assert.ok(elapsed < 1_000 + SLACK_MS, `gave up after ${elapsed} ms`);
      assert.match(error.message, /no answer within 1s/);
      assert.equal(sockets.length, 1);
      // The abandoned download's connection is closed by us, not left open for the server.
      const socket = sockets[0]!;
      if (!socket.destroyed) await once(socket, "close", { signal: AbortSignal.timeout(SLACK_MS) });
    } finally {
      await api.close();
    }
  });
});

/** Proxies to the emulator, answering 503 to the first `failures` requests; counts requests. */
async function flakyFront(gcs: FakeGcs, failures: number): Promise<FakeApi> {
  return startFakeApi((request, response, count) => {
    if (count <= failures) unavailable(response);
    else forward(gcs.endpoint, request, response);
  });
}

describe("GCS retries against fake-gcs-server", () => {
  let started: FakeGcsStart | undefined;
  const fronts: FakeApi[] = [];

  before(async () => {
    started = await startFakeGcs();
    if (started.gcs === undefined) return;
    await started.gcs.createBucket(BUCKET);
    const file = started.gcs.storage.bucket(BUCKET).file("m/1.0.0/metadata.json");
    await file.save('{"version":"1.0.0"}', { resumable: false });
  });
  after(async () => {
    await Promise.all(fronts.map((front) => front.close()));
    await started?.gcs?.stop();
  });

  async function front(t: TestContext, failures: number): Promise<FakeApi | undefined> {
    assert.ok(started, "the before hook did not run");
    if (started.gcs === undefined) {
      t.skip(started.skipReason);
      return undefined;
    }
    const api = await flakyFront(started.gcs, failures);
    fronts.push(api);
    return api;
  }

  const FAST = { maxRetries: 5, totalTimeoutSeconds: 5, maxRetryDelaySeconds: 0.05 };

  it("reads through two 503s with exactly two warnings", TEST_TIMEOUT, async (t) => {
    const api = await front(t, 2);
    if (api === undefined) return;
    const { store, lines } = storeWithLog(GcsStore, api.endpoint, { retry: FAST });
    const content = await store.readFile("m/1.0.0/metadata.json");
    assert.equal(content.toString("utf8"), '{"version":"1.0.0"}');
    assert.equal(api.requests.length, 3);
    assert.deepEqual(
      lines.map((line) => [line.attempt, line.error]),
      [
        [1, "HTTP 503: backend unavailable"],
        [2, "HTTP 503: backend unavailable"],
      ],
    );
  });

  it("retries a conditional write through a 503", TEST_TIMEOUT, async (t) => {
    const api = await front(t, 1);
    if (api === undefined) return;
    const options = { prefix: "registry", retry: FAST };
    const { store, lines } = storeWithLog(GcsStore, api.endpoint, options);
    await store.create("m/alias.json", Buffer.from("{}"));
    assert.equal((await store.readVersioned("m/alias.json"))?.bytes.toString("utf8"), "{}");
    assert.deepEqual(
      lines.map((line) => [line.operation, line.attempt]),
      [["write", 1]],
    );
  });

  it("does not retry 404 (not found) or 412 (lost a race)", TEST_TIMEOUT, async (t) => {
    const api = await front(t, 0);
    if (api === undefined) return;
    const { store, lines } = storeWithLog(GcsStore, api.endpoint, { retry: FAST });
    await assert.rejects(store.readFile("m/9.9.9/metadata.json"), ArtifactError);
    assert.equal(api.requests.length, 1);
    await assert.rejects(store.create("m/1.0.0/metadata.json", Buffer.from("{}")), ConflictError);
    assert.equal(api.requests.length, 2);
    assert.deepEqual(lines, []);
  });
});
