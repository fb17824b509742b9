import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { AliasFollower } from "../../src/lifecycle/alias-follower.js";
import { ModelHolder, type VersionHooks } from "../../src/lifecycle/model-holder.js";
import { PRIMARY } from "../../src/lifecycle/model-set.js";
import type { LoadedModel } from "../../src/model/loaded-model.js";
import { FileStore } from "../../src/storage/file-store.js";
import { Registry } from "../../src/registry/registry.js";
import { builtInGolden, builtInVersionDir, buildTestApp, type TestApp } from "../support/app.js";
import { flipByte, shiftGoldenPrediction } from "../support/tamper.js";
import { pointAliasUnchecked } from "../support/unchecked-alias.js";

const quiet = pino({ level: "silent" });

/**
 * A holder whose swaps land inside requests: swap() waits for the next request to take its lease
 * and swaps at that very point, so that request then scores on the version just swapped out.
 * Every swap thus happens with a request in flight on the old version, by construction. The
 * first swap (nothing served yet) happens at once.
 */
class SwapInsideARequest extends ModelHolder {
  private readonly pending: (() => void)[] = [];
  /** For each swap: the leases the version swapped out still had at that moment. */
  readonly leasesAtSwap: number[] = [];

  override use<T>(task: (model: LoadedModel) => Promise<T>): Promise<T> {
    return super.use((model) => {
      for (const swap of this.pending.splice(0)) swap();
      return task(model);
    });
  }

  override swap(next: LoadedModel): Promise<LoadedModel | undefined> {
    const serving = this.current();
    if (serving === undefined) return super.swap(next);
    return new Promise((resolve, reject) => {
      this.pending.push(() => {
        this.leasesAtSwap.push(this.leasesOn(serving));
        super.swap(next).then(resolve, reject);
      });
    });
  }
}

/** A service following `production` in a local registry, with the follower exposed. */
async function followingService(
  registry: Registry,
  holder?: (hooks: VersionHooks) => ModelHolder,
): Promise<{ t: TestApp; follower: AliasFollower }> {
  const t = await buildTestApp({ model: null, env: { METRICS_PORT: "0" }, holder });
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

  it(
    "swaps versions under load with zero failed requests; requests sent after a swap get the new version",
    {
      timeout: 120_000,
    },
    async () => {
      await registry.promote("1.0.0", "production");
      const released: string[] = [];
      const holder = (hooks: VersionHooks) =>
        new SwapInsideARequest(PRIMARY, {
          serving: (model, name) => hooks.serving?.(model, name),
          released: (model, name) => {
            released.push(model.version);
            hooks.released?.(model, name);
          },
        });
      const { t, follower } = await followingService(registry, holder);
      const address = await t.app.listen({ port: 0, host: "127.0.0.1" });
      // The alias moves three times; serving[k] answers once k swaps have completed.
      const serving = ["1.0.0", "1.0.1", "1.0.0", "1.0.1"];
      const load = new LoadAcrossSwaps(`${address}/predict`, JSON.stringify({ instances }), 16);
      try {
        for (const version of serving.slice(1)) {
          // No sleeps: the alias moves once 64 requests sent after the last swap are answered.
          await load.finishedSinceLastSwap(64);
          load.swapBegins();
          await registry.promote(version, "production");
          await follower.check();
          assert.equal(t.holder.current()?.version, version, "check() returned before the swap");
          load.swapDone();
        }
        await load.finishedSinceLastSwap(64);
      } finally {
        await load.stop();
        await follower.stop();
        await t.app.close();
      }

      assert.deepEqual(load.failures, []);
      const { answers } = load;
      assert.ok(answers.every((a) => a.version === "1.0.0" || a.version === "1.0.1"));
      for (const [k, version] of serving.entries()) {
        // Sent after swap k completed, answered before swap k + 1 began: only `version` served.
        const within = answers.filter((a) => a.doneAtStart === k && a.begunAtEnd === k);
        assert.ok(within.length > 0, `no request ran wholly after swap ${k}`);
        const wrong = within.filter((a) => a.version !== version);
        assert.equal(
          wrong.length,
          0,
          `after swap ${k} to ${version}: ${wrong.length} of ${within.length} answers from another version`,
        );
      }
      // Every answer comes from a version that served at some point while its request ran.
      const elsewhere = answers.filter(
        (a) => !serving.slice(a.doneAtStart, a.begunAtEnd + 1).includes(a.version),
      );
      assert.deepEqual(elsewhere, []);
      assert.ok(t.holder instanceof SwapInsideARequest);
      assert.equal(t.holder.leasesAtSwap.length, 3);
      assert.ok(
        t.holder.leasesAtSwap.every((leases) => leases >= 1),
        "a swap landed outside requests",
      );
      assert.deepEqual(
        released,
        ["1.0.0", "1.0.1", "1.0.0"],
        "each replaced version, released once",
      );
      const metrics = await t.metrics.registry.getSingleMetricAsString(
        "lead_scoring_model_loads_total",
      );
      assert.match(metrics, /result="success"} 4/);
    },
  );

  for (const [version, why] of [
    ["1.0.2", /model\.onnx is corrupt/],
    ["1.0.3", /golden check failed/],
  ] as const) {
    it(`keeps serving the old version when ${version} is refused (${why.source}), visibly in /metrics`, async () => {
      await registry.promote("1.0.0", "production");
      const { t, follower } = await followingService(registry);
      // promote would refuse it; the service must refuse it too when the alias arrives anyway.
      await pointAliasUnchecked(registry, "production", version);
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
      assert.match(
        metrics,
        /lead_scoring_model_info\{name="lead-scoring",version="1\.0\.0",scorer="trees"\} 1/,
      );
      await t.app.close();
    });
  }
});

/** One answer, placed among the swaps. */
interface Answer {
  /** Swaps completed when the request was sent. */
  readonly doneAtStart: number;
  /** Swaps begun when its answer had been read. */
  readonly begunAtEnd: number;
  readonly version: string;
}

/**
 * Continuous POSTs of `body` to `url` from `connections` workers, each sending its next request as
 * soon as its last one is answered, until stop(). The test says when each swap begins and ends;
 * every answer records where it falls among them, and the test can wait for requests to finish.
 */
class LoadAcrossSwaps {
  readonly answers: Answer[] = [];
  readonly failures: string[] = [];
  private begun = 0;
  private done = 0;
  private running = true;
  /** Requests finished (answered or failed), by the swaps completed when they were sent. */
  private readonly finished: number[] = [];
  private readonly waiting: { swaps: number; count: number; resolve: () => void }[] = [];
  private readonly workers: Promise<void>[];

  constructor(url: string, body: string, connections: number) {
    this.workers = Array.from({ length: connections }, () => this.work(url, body));
  }

  swapBegins(): void {
    this.begun++;
  }

  swapDone(): void {
    this.done++;
  }

  /** Resolves once `count` requests sent after the last completed swap have finished. */
  finishedSinceLastSwap(count: number): Promise<void> {
    const swaps = this.done;
    if ((this.finished[swaps] ?? 0) >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push({ swaps, count, resolve }));
  }

  /** Sends no more requests and waits for those in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private async work(url: string, body: string): Promise<void> {
    while (this.running) {
      const doneAtStart = this.done;
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          // A bound, not a timing assertion: a hung request fails instead of stalling the test.
          signal: AbortSignal.timeout(30_000),
        });
        const answer = (await response.json()) as { modelVersion?: string };
        if (response.status === 200) {
          const version = answer.modelVersion ?? "none";
          this.answers.push({ doneAtStart, begunAtEnd: this.begun, version });
        } else this.failures.push(`${response.status} ${JSON.stringify(answer)}`);
      } catch (error) {
        this.failures.push(String(error));
      }
      this.count(doneAtStart);
    }
  }

  private count(swaps: number): void {
    const finished = (this.finished[swaps] ?? 0) + 1;
    this.finished[swaps] = finished;
    for (const waiter of [...this.waiting]) {
      if (waiter.swaps !== swaps || waiter.count > finished) continue;
      this.waiting.splice(this.waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}
