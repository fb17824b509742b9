import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { AliasFollower } from "../../src/lifecycle/alias-follower.js";
import { ModelHolder } from "../../src/lifecycle/model-holder.js";
import { Metrics } from "../../src/monitoring/metrics.js";
import { Registry } from "../../src/registry/registry.js";
import { FileStore } from "../../src/storage/file-store.js";
import { builtInVersionDir } from "../support/app.js";
import { captureLog } from "../support/capture-log.js";
import { exitOf, freePort, startServer, waitFor } from "../support/server-process.js";

/** A pod whose alias does not exist yet: alive, not ready, saying what it waits for; then ready. */
describe("waiting for an alias that does not exist yet", () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-alias-wait-"));
  });
  after(() => rm(root, { recursive: true, force: true }));

  const fresh = async (name: string) => {
    const registry = new Registry(new FileStore(path.join(root, name)), "lead-scoring");
    await registry.publish(new FileStore(builtInVersionDir()));
    return registry;
  };

  const follow = (registry: Registry, waitingLogIntervalMs?: number) => {
    const { log, lines } = captureLog();
    const holder = new ModelHolder();
    const follower = new AliasFollower({
      registry,
      alias: "production",
      holder,
      threads: 1,
      observer: new Metrics({ processMetrics: false }),
      log,
      waitingLogIntervalMs,
    });
    const waiting = () => lines.filter((line) => line.message.startsWith("waiting for alias"));
    return { follower, holder, lines, waiting };
  };

  it("says at each poll what it waits for, with the URI, and serves once the alias appears", async () => {
    const registry = await fresh("every-poll");
    const { follower, holder, lines, waiting } = follow(registry, 0);
    assert.equal(await follower.loadInitial(), undefined);
    await follower.check();
    await follower.check();
    assert.equal(holder.current(), undefined);
    assert.equal(waiting().length, 3, "loadInitial and each poll");
    const uri = `${registry.location}@production`;
    for (const line of waiting()) {
      assert.equal(line.severity, "WARNING");
      assert.equal(line.uri, uri);
      assert.ok(line.message.includes(uri), line.message);
    }
    await registry.promote("1.0.0", "production");
    await follower.check();
    assert.equal(holder.current()?.version, "1.0.0");
    assert.ok(lines.some((line) => line.message === "model ready" && line.version === "1.0.0"));
    await follower.check();
    assert.equal(waiting().length, 3, "no more waiting once served");
    await holder.close();
  });

  it("rate-limits the message", async () => {
    const { follower, waiting } = follow(await fresh("rate-limited"), 3_600_000);
    await follower.loadInitial();
    for (let i = 0; i < 5; i++) await follower.check();
    assert.equal(waiting().length, 1);
  });

  it("the real process stays alive and not ready, then becomes ready after publish + promote", async () => {
    const registryDir = path.join(root, "process");
    const registry = new Registry(new FileStore(registryDir), "lead-scoring");
    const port = await freePort();
    const { child, output } = startServer({
      PORT: String(port),
      METRICS_PORT: "0",
      MODEL_URI: `${registryDir}/lead-scoring@production`,
      MODEL_POLL_SECONDS: "0.2",
      DRAIN_SECONDS: "0",
    });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitFor(() => output().includes("waiting for alias production"), "the waiting log");
      // Alive (liveness 200, no exit) and not ready.
      await waitFor(
        async () => (await fetch(`${base}/health/live`)).status === 200,
        "liveness answers",
      );
      assert.equal(child.exitCode, null, output());
      assert.equal((await fetch(`${base}/health`)).status, 503);
      assert.equal((await fetch(`${base}/health/ready`)).status, 503);
      const line = output()
        .split("\n")
        .find((text) => text.includes("waiting for alias production"));
      assert.ok(line !== undefined);
      const parsed = JSON.parse(line) as { severity: string; uri: string };
      assert.equal(parsed.severity, "WARNING");
      assert.equal(parsed.uri, `${registryDir}/lead-scoring@production`);

      await registry.publish(new FileStore(builtInVersionDir()));
      await registry.promote("1.0.0", "production");
      await waitFor(async () => (await fetch(`${base}/health`)).status === 200, "readiness");
      const predict = await fetch(`${base}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ instances: [{ total_visits: 3 }] }),
      });
      assert.equal(((await predict.json()) as { modelVersion: string }).modelVersion, "1.0.0");
      await waitFor(() => output().includes('"message":"model ready"'), "the model ready line");
    } finally {
      child.kill("SIGTERM");
      await exitOf(child);
    }
  });
});
