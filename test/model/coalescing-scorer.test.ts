import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, it } from "node:test";
import { loadPinnedModel } from "../../src/lifecycle/pinned-source.js";
import { CoalescingScorer } from "../../src/model/coalescing-scorer.js";
import type { Scorer } from "../../src/model/scorer.js";
import { BUILT_IN_MODEL_URI } from "../../src/config.js";
import { builtInGolden } from "../support/app.js";

const WIDTH = 2;
/** A row's features: [value, 0]. */
const rows = (...values: number[]) => new Float32Array(values.flatMap((value) => [value, 0]));

/**
 * A runtime that scores a row as 10 × its first feature, records each run's row count, refuses
 * a run that holds a negative value, and takes `delayMs` per run.
 */
function fakeRuntime(delayMs = 0) {
  const runs: number[] = [];
  const scorer: Scorer = {
    kind: "onnx",
    async score(features, count) {
      runs.push(count);
      if (delayMs > 0) await sleep(delayMs);
      const scores = new Float32Array(count);
      for (let row = 0; row < count; row++) {
        const value = features[row * WIDTH]!;
        if (value < 0) throw new Error(`cannot score ${value}`);
        scores[row] = 10 * value;
      }
      return scores;
    },
    release: () => Promise.resolve(),
  };
  return { scorer, runs };
}

describe("micro-batching in front of ONNX Runtime (CoalescingScorer)", () => {
  it("scores the calls of one turn in one run, each caller getting its own rows", async () => {
    const runtime = fakeRuntime();
    const batched = new CoalescingScorer(runtime.scorer, { maxRows: 64, maxWaitMs: 0 });
    const results = await Promise.all([
      batched.score(rows(1), 1),
      batched.score(rows(2, 3), 2),
      batched.score(rows(4), 1),
    ]);
    assert.deepEqual(runtime.runs, [4]);
    assert.deepEqual(
      results.map((scores) => [...scores]),
      [[10], [20, 30], [40]],
    );
  });

  it("keeps errors per call: a run that fails is retried call by call", async () => {
    const runtime = fakeRuntime();
    const batched = new CoalescingScorer(runtime.scorer, { maxRows: 64, maxWaitMs: 0 });
    const outcomes = await Promise.allSettled([
      batched.score(rows(1), 1),
      batched.score(rows(-1), 1),
      batched.score(rows(3), 1),
    ]);
    assert.deepEqual(runtime.runs, [3, 1, 1, 1]);
    assert.deepEqual(outcomes[0], { status: "fulfilled", value: new Float32Array([10]) });
    assert.equal(outcomes[1].status, "rejected");
    assert.match(String(outcomes[1].reason), /cannot score -1/);
    assert.deepEqual(outcomes[2], { status: "fulfilled", value: new Float32Array([30]) });
  });

  it("bounds a run by maxRows; a call that large runs alone", async () => {
    const runtime = fakeRuntime();
    const batched = new CoalescingScorer(runtime.scorer, { maxRows: 3, maxWaitMs: 0 });
    const results = await Promise.all([
      batched.score(rows(1), 1),
      batched.score(rows(2), 1),
      batched.score(rows(3, 4), 2),
      batched.score(rows(5, 6, 7), 3),
    ]);
    assert.deepEqual(runtime.runs.toSorted(), [2, 2, 3]);
    assert.deepEqual(
      results.map((scores) => [...scores]),
      [[10], [20], [30, 40], [50, 60, 70]],
    );
  });

  it("does not hold a call when idle: calls in separate turns run separately", async () => {
    const runtime = fakeRuntime();
    const batched = new CoalescingScorer(runtime.scorer, { maxRows: 64, maxWaitMs: 1 });
    assert.deepEqual([...(await batched.score(rows(1), 1))], [10]);
    assert.deepEqual([...(await batched.score(rows(2), 1))], [20]);
    assert.deepEqual(runtime.runs, [1, 1]);
  });

  it("while a run is in flight, gathers the calls of the next turns into one run", async () => {
    const runtime = fakeRuntime(20);
    const batched = new CoalescingScorer(runtime.scorer, { maxRows: 64, maxWaitMs: 1 });
    const first = batched.score(rows(1), 1);
    await sleep(1); // the first run is in flight now
    const later = [batched.score(rows(2), 1)];
    await new Promise((resolve) => setImmediate(resolve));
    later.push(batched.score(rows(3), 1));
    const results = await Promise.all([first, ...later]);
    assert.deepEqual(runtime.runs, [1, 2]);
    assert.deepEqual(
      results.map((scores) => [...scores]),
      [[10], [20], [30]],
    );
  });

  it("serves ONNX Runtime's scores unchanged: concurrent single leads equal golden.json", async () => {
    const golden = builtInGolden();
    const model = await loadPinnedModel(BUILT_IN_MODEL_URI, {
      threads: 1,
      scorer: "onnx",
      onnxBatch: { maxRows: 64, maxWaitMs: 1 },
    });
    try {
      assert.equal(model.scorerKind, "onnx");
      const scores = await Promise.all(golden.rows.map((row) => model.predict([row.instance])));
      scores.forEach((score, i) => {
        const expected = golden.rows[i]!.prediction;
        assert.ok(Math.abs(score[0]! - expected) <= golden.tolerance, `row ${i}: ${score[0]}`);
      });
    } finally {
      await model.release();
    }
  });
});
