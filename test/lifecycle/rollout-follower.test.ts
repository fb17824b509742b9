import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Registry } from "../../src/registry/registry.js";
import { FileStore } from "../../src/storage/file-store.js";
import { builtInGolden, builtInVersionDir } from "../support/app.js";
import { flipByte } from "../support/tamper.js";
import { rolloutReplica } from "./rollout-service.js";

const golden = builtInGolden();
const instance = (id: string) => ({ ...golden.rows[0]!.instance, lead_id: id });

describe("a replica following a rollout", () => {
  let root: string;
  let serial = 0;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-rollout-follow-"));
  });
  after(() => rm(root, { recursive: true, force: true }));

  /** A registry with 1.0.0 at production and `extra` more versions published. */
  const registryWith = async (extra: number) => {
    const dir = path.join(root, `registry-${++serial}`);
    const registry = new Registry(new FileStore(dir), "lead-scoring");
    for (let i = 0; i <= extra; i++) await registry.publish(new FileStore(builtInVersionDir()));
    await registry.promote("1.0.0", "production");
    return { registry, dir };
  };

  it("loads the candidate, follows the share, drops it when the rollout is aborted", async () => {
    const { registry } = await registryWith(1);
    const replica = await rolloutReplica(registry);
    try {
      assert.equal(replica.plan.candidate.current(), undefined);
      await replica.rollouts.start({ candidate: "1.0.1", mode: "canary", share: 40 });
      await replica.poll();
      assert.equal(replica.plan.candidate.current()?.version, "1.0.1");
      assert.equal(replica.plan.canaryFraction, 0.4);
      await replica.rollouts.setShare(100);
      await replica.poll();
      const answer = await replica.app.inject({
        method: "POST",
        url: "/predict",
        payload: { instances: [instance("lead-1")] },
      });
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.headers["x-model-version"], "1.0.1");
      assert.equal(answer.json<{ modelVersion: string }>().modelVersion, "1.0.1");
      await replica.rollouts.abort();
      await replica.poll();
      assert.equal(replica.plan.canaryFraction, 0);
      assert.equal(replica.plan.candidate.current(), undefined);
      const after = await replica.app.inject({
        method: "POST",
        url: "/predict",
        payload: { instances: [instance("lead-1")] },
      });
      assert.equal(after.headers["x-model-version"], "1.0.0");
      // The RED metrics carry the version that answered: the canary's request and production's.
      const red = await replica.metrics.registry.getSingleMetricAsString(
        "lead_scoring_http_requests_total",
      );
      for (const version of ["1.0.1", "1.0.0"]) {
        assert.match(red, new RegExp(`route="/predict",status_code="200",version="${version}"`));
      }
    } finally {
      await replica.close();
    }
  });

  it("refuses a candidate that fails verification; production serves on, counted and logged", async () => {
    const { registry, dir } = await registryWith(1);
    const replica = await rolloutReplica(registry);
    try {
      await replica.rollouts.start({ candidate: "1.0.1", mode: "canary", share: 100 });
      // Damaged after the CLI verified it: the replica's own gate must catch it.
      await flipByte(path.join(dir, "lead-scoring", "1.0.1", "model.onnx"), 200);
      await replica.poll();
      assert.equal(replica.plan.candidate.current(), undefined);
      assert.equal(replica.plan.canaryFraction, 0);
      const answer = await replica.app.inject({
        method: "POST",
        url: "/predict",
        payload: { instances: [instance("lead-1")] },
      });
      assert.equal(answer.statusCode, 200);
      assert.equal(answer.headers["x-model-version"], "1.0.0");
      const metrics = await replica.metrics.registry.metrics();
      assert.match(metrics, /lead_scoring_model_reload_failures_total\{version="1\.0\.1"\} 1/);
      assert.ok(
        replica.lines.some(
          (line) =>
            line.severity === "ERROR" &&
            line.message.startsWith("rollout candidate refused, production serves on") &&
            line.message.includes("model.onnx"),
        ),
      );
      // Recorded for every replica and for `registry rollout status`.
      const { state } = (await replica.rollouts.read())!;
      assert.equal(state.status, "stopped");
      assert.match(state.stop_reason ?? "", /^refused at load: .*model\.onnx/);
    } finally {
      await replica.close();
    }
  });

  it("a guardrail stop is recorded in the registry and every replica follows it", async () => {
    const { registry } = await registryWith(1);
    const a = await rolloutReplica(registry, "pod-a");
    const b = await rolloutReplica(registry, "pod-b");
    try {
      await a.rollouts.start({ candidate: "1.0.1", mode: "canary", share: 50 });
      await a.poll();
      await b.poll();
      assert.equal(b.plan.canaryFraction, 0.5);
      await a.follower.stopCandidate("p99 latency 80 ms > 50 ms over 300 s");
      assert.equal(a.plan.canaryFraction, 0, "at once on the replica that judged");
      await b.poll();
      assert.equal(b.plan.canaryFraction, 0, "the other replica follows the registry");
      const { state } = (await a.rollouts.read())!;
      assert.equal(state.status, "stopped");
      assert.equal(state.stop_reason, "p99 latency 80 ms > 50 ms over 300 s");
      assert.equal(state.history.at(-1)?.by, "pod-a");
      assert.equal((await registry.alias("production"))?.record.version, "1.0.0", "alias unmoved");
      // A person resumes it: both replicas route again.
      await a.rollouts.setShare(20);
      await a.poll();
      await b.poll();
      assert.equal(a.plan.canaryFraction, 0.2);
      assert.equal(b.plan.canaryFraction, 0.2);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("answers every request while a rollout starts, goes to 50 %, promotes and aborts", async () => {
    const { registry } = await registryWith(2);
    const replica = await rolloutReplica(registry);
    const statuses = new Map<number, number>();
    const versions = new Set<string>();
    let running = true;
    let sent = 0;
    const client = async (worker: number) => {
      while (running) {
        const answer = await replica.app.inject({
          method: "POST",
          url: "/predict",
          payload: { instances: [instance(`lead-${worker}-${sent++}`)] },
        });
        statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
        versions.add(String(answer.headers["x-model-version"]));
      }
    };
    const clients = Array.from({ length: 8 }, (_, worker) => client(worker));
    const step = async (change: () => Promise<unknown>) => {
      await change();
      await replica.poll();
      const before = sent;
      while (sent < before + 200) await new Promise((resolve) => setImmediate(resolve));
    };
    try {
      await step(() => replica.rollouts.start({ candidate: "1.0.1", mode: "shadow" }));
      await step(() => replica.rollouts.setShare(50));
      await step(() => replica.rollouts.promote());
      await step(() => replica.rollouts.start({ candidate: "1.0.2", mode: "canary", share: 50 }));
      await step(() => replica.rollouts.abort());
    } finally {
      running = false;
      await Promise.all(clients);
      await replica.close();
    }
    assert.deepEqual([...statuses.keys()], [200], JSON.stringify([...statuses]));
    assert.deepEqual([...versions].sort(), ["1.0.0", "1.0.1", "1.0.2"]);
    assert.equal((await registry.alias("production"))?.record.version, "1.0.1");
  });
});
