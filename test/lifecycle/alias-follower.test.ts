import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { AliasFollower } from "../../src/lifecycle/alias-follower.js";
import { FileStore } from "../../src/storage/file-store.js";
import { Registry } from "../../src/registry/registry.js";
import { builtInGolden, builtInVersionDir, buildTestApp, type TestApp } from "../support/app.js";
import { flipByte, shiftGoldenPrediction } from "../support/tamper.js";

const quiet = pino({ level: "silent" });

/** A service following `production` in a local registry, with the follower exposed. */
async function followingService(
  registry: Registry,
): Promise<{ t: TestApp; follower: AliasFollower }> {
  const t = await buildTestApp({ model: null, env: { METRICS_PORT: "0" } });
  const follower = new AliasFollower({
    registry,
    alias: "production",
    holder: t.holder,
    threads: 1,
    observer: t.metrics,
    log: quiet,
  });
  await follower.loadInitial();
  return { t, follower };
}

describe("following a registry alias", () => {
  let root: string;
  let registry: Registry;
  const golden = builtInGolden();
  const instances = golden.rows.slice(0, 5).map((row) => row.instance);

  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-follow-"));
    registry = new Registry(new FileStore(root), "lead-scoring");
    for (let i = 0; i < 4; i++) await registry.publish(new FileStore(builtInVersionDir()));
    // 1.0.2 is corrupt on disk; 1.0.3 predicts something other than its golden file records.
    await flipByte(path.join(root, "lead-scoring", "1.0.2", "model.onnx"), 200);
    await shiftGoldenPrediction(path.join(root, "lead-scoring", "1.0.3"), 0, 0.001);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("swaps versions under load with zero failed requests; after a swap every answer is the new version", async () => {
    await registry.promote("1.0.0", "production");
    const { t, follower } = await followingService(registry);
    const address = await t.app.listen({ port: 0, host: "127.0.0.1" });
    const answers: { started: number; finished: number; version: string }[] = [];
    const failures: string[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        const started = performance.now();
        try {
          const response = await fetch(`${address}/predict`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ instances }),
          });
          const body = (await response.json()) as { modelVersion?: string; predictions?: number[] };
          if (response.status !== 200) failures.push(`${response.status} ${JSON.stringify(body)}`);
          else {
            answers.push({
              started,
              finished: performance.now(),
              version: body.modelVersion ?? "none",
            });
          }
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const load = Array.from({ length: 16 }, worker);
    // Each swap's window: from the moment check() returns (swapped) to the moment the next
    // promotion begins (the next swap may happen any time after that).
    const swaps: { at: number; version: string; until: number }[] = [];
    for (const version of ["1.0.1", "1.0.0", "1.0.1"]) {
      await new Promise((resolve) => setTimeout(resolve, 700));
      const previous = swaps.at(-1);
      if (previous !== undefined) previous.until = performance.now();
      await registry.promote(version, "production");
      await follower.check();
      swaps.push({ at: performance.now(), version, until: Infinity });
    }
    await new Promise((resolve) => setTimeout(resolve, 700));
    running = false;
    await Promise.all(load);
    await follower.stop();
    await t.app.close();

    assert.deepEqual(failures, []);
    assert.ok(answers.length > 200, `only ${answers.length} requests were made`);
    assert.ok(answers.every((a) => a.version === "1.0.0" || a.version === "1.0.1"));
    for (const [i, swap] of swaps.entries()) {
      // Requests wholly inside the window: the version was chosen between start and finish.
      const after = answers.filter((a) => a.started > swap.at && a.finished < swap.until);
      assert.ok(after.length > 0, `requests after swap ${i}`);
      const wrong = after.filter((a) => a.version !== swap.version);
      assert.equal(
        wrong.length,
        0,
        `after swap ${i} to ${swap.version}: ${wrong.length} of ${after.length} answers from another version`,
      );
    }
    const metrics = await t.metrics.registry.getSingleMetricAsString(
      "lead_scoring_model_loads_total",
    );
    assert.match(metrics, /result="success"} 4/);
  });

  for (const [version, why] of [
    ["1.0.2", /model\.onnx is corrupt/],
    ["1.0.3", /golden check failed/],
  ] as const) {
    it(`keeps serving the old version when ${version} is refused (${why.source}), visibly in /metrics`, async () => {
      await registry.promote("1.0.0", "production");
      const { t, follower } = await followingService(registry);
      await registry.promote(version, "production");
      await follower.check();
      await follower.check(); // the same broken generation is not retried
      const ready = await t.app.inject({ method: "GET", url: "/health/ready" });
      assert.equal(ready.statusCode, 200);
      const predict = await t.app.inject({
        method: "POST",
        url: "/predict",
        payload: { instances },
      });
      assert.equal(predict.json<{ modelVersion: string }>().modelVersion, "1.0.0");
      const metrics = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
      assert.match(
        metrics,
        new RegExp(`lead_scoring_model_reload_failures_total\\{version="${version}"\\} 1\\b`),
      );
      assert.match(metrics, /lead_scoring_model_loads_total\{result="failure"\} 1\b/);
      assert.match(metrics, /lead_scoring_model_info\{name="lead-scoring",version="1\.0\.0"\} 1/);
      await t.app.close();
    });
  }
});
