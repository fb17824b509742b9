import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it, type TestContext } from "node:test";
import { ArtifactError, ConfigError, StorageUnavailableError } from "../../src/errors.js";
import { FileStore } from "../../src/storage/file-store.js";
import { GcsStore, type GcsRetryOptions } from "../../src/storage/gcs-store.js";
import { parseGcsUri } from "../../src/storage/gcs-uri.js";
import { openStore } from "../../src/storage/open-store.js";
import { captureLog } from "../support/capture-log.js";
import {
  sendJson,
  startFakeApi,
  unavailable,
  type FakeApi,
  type Respond,
} from "../support/fake-api.js";
import {
  emulatorOrSkip,
  freePort,
  startFakeGcs,
  type FakeGcs,
  type FakeGcsStart,
} from "../support/fake-gcs.js";

const BUCKET = "models";
const PREFIX = "registry";
// Sleeps are capped at 50 ms (the default back-off starts at 0.5-1 s).
const FAST_RETRY: Partial<GcsRetryOptions> = {
  maxRetries: 3,
  totalTimeoutSeconds: 3,
  maxRetryDelaySeconds: 0.05,
};
const TEST_TIMEOUT = { timeout: 15_000 };

describe("GcsStore against fake-gcs-server", () => {
  const model = randomBytes(100_000);
  let started: FakeGcsStart | undefined;
  let fixture: string | undefined;

  before(async () => {
    started = await startFakeGcs();
    if (started.gcs === undefined) {
      return;
    }
    fixture = await mkdtemp(path.join(tmpdir(), "gcs-store-"));
    const files: Record<string, string | Buffer> = {
      "lead-scoring/1.0.0/metadata.json": '{"version":"1.0.0"}',
      "lead-scoring/1.0.0/model.onnx": model,
      "lead-scoring/1.1.0/metadata.json": '{"version":"1.1.0"}',
      "lead-scoring/1.1.0/extra/notes.txt": "nested deeper",
      "lead-scoring/README.md": "a file next to the version directories",
    };
    for (const [relative, content] of Object.entries(files)) {
      const target = path.join(fixture, ...relative.split("/"));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await started.gcs.createBucket(BUCKET);
    await started.gcs.uploadDirectory(BUCKET, PREFIX, fixture);
  });

  after(async () => {
    await started?.gcs?.stop();
    if (fixture !== undefined) {
      await rm(fixture, { recursive: true, force: true });
    }
  });

  const emulator = (t: TestContext) => emulatorOrSkip(started, t);

  function storeOn(gcs: FakeGcs): GcsStore {
    return new GcsStore({
      bucket: BUCKET,
      prefix: PREFIX,
      apiEndpoint: gcs.endpoint,
      retry: FAST_RETRY,
    });
  }

  it("reads an uploaded file byte for byte", TEST_TIMEOUT, async (t) => {
    const gcs = emulator(t);
    if (gcs === undefined) return;
    const store = storeOn(gcs);
    assert.equal(store.location, "gs://models/registry");
    assert.deepEqual(await store.readFile("lead-scoring/1.0.0/model.onnx"), model);
    const metadata = await store.readFile("lead-scoring/1.1.0/metadata.json");
    assert.equal(metadata.toString("utf8"), '{"version":"1.1.0"}');
  });

  it("tells which files exist", TEST_TIMEOUT, async (t) => {
    const gcs = emulator(t);
    if (gcs === undefined) return;
    const store = storeOn(gcs);
    assert.equal(await store.exists("lead-scoring/1.0.0/metadata.json"), true);
    assert.equal(await store.exists("lead-scoring/1.0.0/golden.json"), false);
    // A "directory" is only a shared name prefix, not an object.
    assert.equal(await store.exists("lead-scoring/1.0.0"), false);
  });

  it("lists immediate sub-directories and files apart, sorted", TEST_TIMEOUT, async (t) => {
    const gcs = emulator(t);
    if (gcs === undefined) return;
    const store = storeOn(gcs);
    assert.deepEqual(await store.listDirectories("lead-scoring"), ["1.0.0", "1.1.0"]);
    assert.deepEqual(await store.listDirectories("lead-scoring/"), ["1.0.0", "1.1.0"]);
    assert.deepEqual(await store.listDirectories(""), ["lead-scoring"]);
    assert.deepEqual(await store.listDirectories("lead-scoring/1.1.0"), ["extra"]);
    assert.deepEqual(await store.listDirectories("no-such-model"), []);
    assert.deepEqual(await store.listFiles("lead-scoring/1.0.0"), ["metadata.json", "model.onnx"]);
    assert.deepEqual(await store.listFiles("lead-scoring/1.1.0"), ["metadata.json"]);
    assert.deepEqual(await store.listFiles("lead-scoring"), ["README.md"]);
    assert.deepEqual(await store.listFiles("no-such-model"), []);
  });

  it("reports a missing file as ArtifactError naming its gs:// URI", TEST_TIMEOUT, async (t) => {
    const gcs = emulator(t);
    if (gcs === undefined) return;
    await assert.rejects(storeOn(gcs).readFile("lead-scoring/9.9.9/metadata.json"), (error) => {
      assert.ok(error instanceof ArtifactError, String(error));
      assert.match(error.message, /gs:\/\/models\/registry\/lead-scoring\/9\.9\.9\/metadata\.json/);
      assert.match(error.message, /not found/);
      return true;
    });
  });

  it("reports a missing bucket as ArtifactError", TEST_TIMEOUT, async (t) => {
    const gcs = emulator(t);
    if (gcs === undefined) return;
    const store = new GcsStore({
      bucket: "no-such-bucket",
      prefix: "",
      apiEndpoint: gcs.endpoint,
      retry: FAST_RETRY,
    });
    await assert.rejects(store.listDirectories(""), ArtifactError);
  });

  it("is opened from a gs:// URI by openStore", TEST_TIMEOUT, async (t) => {
    const gcs = emulator(t);
    if (gcs === undefined) return;
    const store = await openStore("gs://models/registry/lead-scoring/", {
      apiEndpoint: gcs.endpoint,
      retry: FAST_RETRY,
    });
    assert.ok(store instanceof GcsStore);
    assert.equal(store.location, "gs://models/registry/lead-scoring");
    assert.deepEqual(await store.listDirectories(""), ["1.0.0", "1.1.0"]);
  });

  it("follows STORAGE_EMULATOR_HOST in each usual form", TEST_TIMEOUT, async (t) => {
    const gcs = emulator(t);
    if (gcs === undefined) return;
    const hostPort = gcs.endpoint.replace(/^http:\/\//, "");
    const saved = process.env.STORAGE_EMULATOR_HOST;
    try {
      for (const value of [hostPort, gcs.endpoint, `${gcs.endpoint}/storage/v1`]) {
        process.env.STORAGE_EMULATOR_HOST = value;
        const store = new GcsStore({ bucket: BUCKET, prefix: PREFIX, retry: FAST_RETRY });
        const content = await store.readFile("lead-scoring/1.0.0/metadata.json");
        assert.equal(content.toString("utf8"), '{"version":"1.0.0"}', value);
      }
    } finally {
      if (saved === undefined) {
        delete process.env.STORAGE_EMULATOR_HOST;
      } else {
        process.env.STORAGE_EMULATOR_HOST = saved;
      }
    }
  });
});

describe("GcsStore against a failing store", () => {
  const servers: FakeApi[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  async function fakeApi(respond: Respond): Promise<FakeApi> {
    const server = await startFakeApi(respond);
    servers.push(server);
    return server;
  }

  function storeOn(endpoint: string, retry = FAST_RETRY, requestTimeoutMs?: number) {
    return new GcsStore({
      bucket: BUCKET,
      prefix: PREFIX,
      apiEndpoint: endpoint,
      retry,
      ...(requestTimeoutMs === undefined ? {} : { requestTimeoutMs }),
      log: captureLog().log,
    });
  }

  it("gives up on an unreachable endpoint with StorageUnavailableError", TEST_TIMEOUT, async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const startedAt = Date.now();
    await assert.rejects(storeOn(endpoint).readFile("m/1.0.0/metadata.json"), (error) => {
      assert.ok(error instanceof StorageUnavailableError, String(error));
      assert.match(error.message, /gs:\/\/models\/registry\/m\/1\.0\.0\/metadata\.json/);
      assert.match(error.message, /gave up after 4 attempts .*maxRetries=3 used up/);
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    });
    assert.ok(Date.now() - startedAt < 10_000, "gave up within the deadline");
  });

  it("retries connections the server drops without answering", TEST_TIMEOUT, async () => {
    // No HTTP response at all (ECONNRESET): retried like a refused connection.
    let connections = 0;
    const server = createNetServer((socket) => {
      connections++;
      socket.resetAndDestroy();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    try {
      await assert.rejects(storeOn(`http://127.0.0.1:${port}`).exists("m/x.json"), (error) => {
        assert.ok(error instanceof StorageUnavailableError, String(error));
        assert.match(error.message, /gs:\/\/models\/registry\/m\/x\.json: gave up/);
        assert.match(error.message, /ECONNRESET|socket hang up/);
        return true;
      });
      assert.equal(connections, 4);
    } finally {
      server.close();
    }
  });

  it("retries 503 answers, then throws StorageUnavailableError", TEST_TIMEOUT, async () => {
    const api = await fakeApi((_request, response) => unavailable(response));
    const store = storeOn(api.endpoint);
    for (const operation of [
      () => store.readFile("m/1.0.0/model.onnx"),
      () => store.exists("m/1.0.0/model.onnx"),
      () => store.listDirectories("m"),
    ]) {
      const before = api.requests.length;
      await assert.rejects(operation(), (error) => {
        assert.ok(error instanceof StorageUnavailableError, String(error));
        assert.match(error.message, /gs:\/\/models\/registry\/m/);
        assert.match(error.message, /HTTP 503/);
        return true;
      });
      // maxRetries: 3 → the first attempt and three retries.
      assert.equal(api.requests.length - before, 4, api.requests.join("\n"));
    }
  });

  it("succeeds when the store recovers after two 503s", TEST_TIMEOUT, async () => {
    const objectPath = "/storage/v1/b/models/o/registry%2Fm%2F1.0.0%2Fmodel.onnx";
    const api = await fakeApi((request, response, count) => {
      const url = new URL(request.url ?? "/", "http://localhost");
      if (count <= 2) {
        unavailable(response);
      } else if (url.pathname === objectPath && url.searchParams.get("alt") === "media") {
        response.writeHead(200, { "content-type": "application/octet-stream" });
        response.end("model bytes");
      } else {
        sendJson(response, 404, { error: { code: 404, message: `no route ${request.url}` } });
      }
    });
    const content = await storeOn(api.endpoint).readFile("m/1.0.0/model.onnx");
    assert.equal(content.toString("utf8"), "model bytes");
    assert.equal(api.requests.length, 3);
  });

  it("stops at the budget when it runs out before maxRetries", TEST_TIMEOUT, async () => {
    const api = await fakeApi((_request, response) => unavailable(response));
    const retry = { maxRetries: 1000, totalTimeoutSeconds: 1, maxRetryDelaySeconds: 0.05 };
    const startedAt = Date.now();
    await assert.rejects(storeOn(api.endpoint, retry, 500).readFile("m/x.json"), (error) => {
      assert.ok(error instanceof StorageUnavailableError, String(error));
      assert.match(
        error.message,
        /gs:\/\/models\/registry\/m\/x\.json: gave up after \d+ attempts/,
      );
      assert.match(error.message, /the 1s budget left no time for another retry/);
      return true;
    });
    assert.ok(api.requests.length >= 2, `retried (${api.requests.length} requests)`);
    assert.ok(Date.now() - startedAt < 4_000, "gave up within the budget (+ 3 s of slack)");
  });

  it("does not retry a permission error", TEST_TIMEOUT, async () => {
    const api = await fakeApi((_request, response) =>
      sendJson(response, 403, {
        error: { code: 403, message: "caller lacks storage.objects.get" },
      }),
    );
    await assert.rejects(storeOn(api.endpoint).exists("m/x.json"), (error) => {
      assert.ok(error instanceof StorageUnavailableError, String(error));
      assert.match(error.message, /failed without retrying: HTTP 403: caller lacks/);
      return true;
    });
    assert.equal(api.requests.length, 1);
  });

  it("collects sub-directories from every page of a listing", TEST_TIMEOUT, async () => {
    const queries: URLSearchParams[] = [];
    const api = await fakeApi((request, response) => {
      const query = new URL(request.url ?? "/", "http://localhost").searchParams;
      queries.push(query);
      if (query.get("pageToken") === null) {
        sendJson(response, 200, { prefixes: ["registry/m/1.1.0/"], nextPageToken: "page-2" });
      } else {
        sendJson(response, 200, { prefixes: ["registry/m/1.0.0/"] });
      }
    });
    const store = new GcsStore({
      bucket: BUCKET,
      prefix: PREFIX,
      apiEndpoint: api.endpoint,
      retry: FAST_RETRY,
      listPageSize: 1,
    });
    assert.deepEqual(await store.listDirectories("m"), ["1.0.0", "1.1.0"]);
    assert.deepEqual(
      queries.map((query) => [
        query.get("prefix"),
        query.get("delimiter"),
        query.get("maxResults"),
      ]),
      [
        ["registry/m/", "/", "1"],
        ["registry/m/", "/", "1"],
      ],
    );
    assert.equal(queries[1]?.get("pageToken"), "page-2");
  });
});

describe("parseGcsUri and openStore", () => {
  it("splits a gs:// URI into bucket and prefix", () => {
    assert.deepEqual(parseGcsUri("gs://models"), { bucket: "models", prefix: "" });
    assert.deepEqual(parseGcsUri("gs://models/"), { bucket: "models", prefix: "" });
    assert.deepEqual(parseGcsUri("gs://my.models_1/a/b/"), {
      bucket: "my.models_1",
      prefix: "a/b",
    });
  });

  it("rejects malformed URIs with ConfigError", () => {
    for (const uri of [
      "gs://",
      "gs:///x",
      "gs://Models/x",
      "gs://b",
      "s3://models",
      "gs://m/a//b",
    ]) {
      assert.throws(() => parseGcsUri(uri), ConfigError, uri);
    }
    assert.throws(() => parseGcsUri("gs://models/a/../b"), /invalid Cloud Storage URI/);
  });

  it("opens a local directory for a path or file:// URI", async () => {
    const directory = path.join(tmpdir(), "models");
    const fromPath = await openStore(directory);
    const fromUri = await openStore(`file://${directory}`);
    assert.ok(fromPath instanceof FileStore && fromUri instanceof FileStore);
    assert.equal(fromPath.location, directory);
    assert.equal(fromUri.location, directory);
  });

  it("rejects other schemes and empty locations with ConfigError", async () => {
    await assert.rejects(openStore("s3://models/x"), ConfigError);
    await assert.rejects(openStore(""), ConfigError);
    await assert.rejects(openStore("gs://"), ConfigError);
  });
});
