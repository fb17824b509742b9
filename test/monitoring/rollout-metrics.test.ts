import assert from "node:assert/strict";
import { setImmediate as turn } from "node:timers/promises";
import { describe, it } from "node:test";
import { DataPlane } from "../../src/dataplane/dataplane.js";
import { observeAll } from "../../src/dataplane/observer.js";
import { ModelSet } from "../../src/lifecycle/model-set.js";
import { CANDIDATE, RolloutPlan } from "../../src/lifecycle/rollout-plan.js";
import { Metrics } from "../../src/monitoring/metrics.js";
import type { PredictionRecord } from "../../src/monitoring/prediction-log/record.js";
import { CandidateWindow } from "../../src/monitoring/rollout/candidate-window.js";
import { GuardrailWatch } from "../../src/monitoring/rollout/guardrail-watch.js";
import { breachOf } from "../../src/monitoring/rollout/guardrails.js";
import { spearman } from "../../src/monitoring/rollout/rank-correlation.js";
import { ShadowWindow } from "../../src/monitoring/rollout/shadow-window.js";
import { DEFAULT_GUARDRAILS, type RolloutState } from "../../src/registry/rollout.js";
import { captureLog } from "../support/capture-log.js";
import { fakeModel, scoreOf, type FakeBehaviour } from "../support/fake-models.js";
import { MemorySink, memoryPredictionLog } from "../support/memory-prediction-log.js";

const LIMITS = { maxBatchSize: 10, maxStringLength: 100 };

describe("shadow comparison statistics", () => {
  it("Spearman with ties matches scipy.stats.spearmanr", () => {
    // spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) = 0.8207826816681233
    assert.ok(Math.abs(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) - 0.8207826816681233) < 1e-12);
    assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
    assert.ok(Number.isNaN(spearman([1, 2, 3], [4, 4, 4])), "no ranking on a constant side");
  });

  it("mean and p99 absolute difference and agreement over the last rows", () => {
    const window = new ShadowWindow(100);
    // 100 rows: 99 differ by 0.01 and agree at 0.5, one differs by 0.5 and disagrees.
    const production = Float32Array.from({ length: 100 }, (_, i) => (i === 99 ? 0.3 : 0.2));
    const candidate = Float32Array.from({ length: 100 }, (_, i) => (i === 99 ? 0.8 : 0.21));
    assert.equal(window.add(production, candidate, 0.5), 1, "one row decided differently");
    const comparison = window.compare()!;
    assert.equal(comparison.rows, 100);
    assert.ok(Math.abs(comparison.meanAbsDiff - (99 * 0.01 + 0.5) / 100) < 1e-6);
    assert.ok(Math.abs(comparison.p99AbsDiff - 0.01) < 1e-6, "nearest rank: row 99 of 100");
    assert.equal(comparison.agreement, 0.99);
    // The ring keeps the last 100: 100 identical rows push the old ones out.
    window.add(new Float32Array(100).fill(0.7), new Float32Array(100).fill(0.7), 0.5);
    assert.equal(window.compare()!.meanAbsDiff, 0);
    assert.equal(window.compare()!.agreement, 1);
  });
});

describe("guardrails", () => {
  const guardrails = { ...DEFAULT_GUARDRAILS, min_requests: 10, window_seconds: 60 };

  it("judge nothing before min_requests, then error rate, p99, disagreement, drift", () => {
    let now = 0;
    const window = new CandidateWindow(1000, () => now);
    for (let i = 0; i < 5; i++) window.failedOnce();
    assert.equal(breachOf(window.summary(60), guardrails, []), undefined, "5 < min_requests");
    for (let i = 0; i < 5; i++) window.succeeded(0.001);
    assert.match(
      breachOf(window.summary(60), guardrails, [])?.reason ?? "",
      /^error rate 0\.5 > 0\.01 over 60 s \(5 of 10 scorings failed\)$/,
    );
    now = 61_000; // the failures leave the window
    for (let i = 0; i < 100; i++) window.succeeded(i < 98 ? 0.001 : 0.2);
    assert.match(
      breachOf(window.summary(60), guardrails, [])?.reason ?? "",
      /^p99 latency 200 ms > 50 ms/,
    );
    now = 122_000;
    for (let i = 0; i < 10; i++) window.succeeded(0.001, 10, 2);
    const disagreement = breachOf(window.summary(60), guardrails, []);
    assert.equal(disagreement?.guardrail, "disagreement");
    assert.match(disagreement?.reason ?? "", /\(20 of 100 instances decided differently\)/);
    assert.equal(
      breachOf(window.summary(60), { ...guardrails, max_disagreement: 0.5 }, []),
      undefined,
    );
    assert.equal(
      breachOf(window.summary(60), { ...guardrails, max_disagreement: 0.5 }, ["total_visits"])
        ?.reason,
      "drift alert on total_visits",
    );
  });
});

function state(mode: RolloutState["mode"], share: number, sampling: number): RolloutState {
  return {
    alias: "production",
    candidate: "1.0.1",
    mode,
    share,
    shadow_sampling: sampling,
    guardrails: { ...DEFAULT_GUARDRAILS, min_requests: 20 },
    status: "active",
    history: [],
  };
}

async function service(rollout: RolloutState, behaviour: FakeBehaviour) {
  const metrics = new Metrics({ processMetrics: false });
  const models = new ModelSet(metrics);
  await models.holder().swap((await fakeModel("1.0.0")).model);
  await models.holder(CANDIDATE).swap((await fakeModel("1.0.1", { behaviour })).model);
  const plan = new RolloutPlan(models.holder(CANDIDATE));
  plan.follow(rollout, "1");
  metrics.followRollout(plan);
  const sink = new MemorySink();
  const predictionLog = memoryPredictionLog(sink);
  const observer = observeAll(metrics, predictionLog);
  const dataPlane = new DataPlane(models.holder(), LIMITS, observer, { rollout: plan });
  const stops: string[] = [];
  const { log } = captureLog();
  const watch = new GuardrailWatch({
    plan,
    metrics: metrics.rollout,
    drift: metrics.drift,
    stop: (reason) => {
      stops.push(reason);
      plan.stop(reason);
      return Promise.resolve();
    },
    log,
  });
  return { metrics, dataPlane, plan, watch, stops, sink, predictionLog };
}

describe("the rollout's metrics and its guardrail watch", () => {
  it("a failing canary stops on its error rate, counted by guardrail; routing goes to 0 %", async () => {
    const { metrics, dataPlane, plan, watch, stops } = await service(
      state("canary", 100, 0),
      "failing",
    );
    const replicaState = async () =>
      (await metrics.registry.metrics())
        .split("\n")
        .filter((line) => line.startsWith("lead_scoring_rollout_") && !line.includes("stops"));
    assert.deepEqual(await replicaState(), [
      'lead_scoring_rollout_stopped{model="lead-scoring",candidate="1.0.1"} 0',
      'lead_scoring_rollout_canary_share{model="lead-scoring",candidate="1.0.1"} 1',
      'lead_scoring_rollout_shadow_sampling{model="lead-scoring",candidate="1.0.1"} 0',
    ]);
    for (let i = 0; i < 30; i++) {
      const result = await dataPlane.predict({ instances: [{ visits: 1 }] });
      assert.equal(result.scores[0], scoreOf("1.0.0"), "fallback to production");
    }
    await watch.check();
    assert.deepEqual(stops, ["error rate 1 > 0.01 over 300 s (30 of 30 scorings failed)"]);
    assert.equal(plan.canaryFraction, 0);
    await watch.check();
    assert.equal(stops.length, 1, "stopped once");
    assert.deepEqual(await replicaState(), [
      'lead_scoring_rollout_stopped{model="lead-scoring",candidate="1.0.1"} 1',
      'lead_scoring_rollout_canary_share{model="lead-scoring",candidate="1.0.1"} 0',
      'lead_scoring_rollout_shadow_sampling{model="lead-scoring",candidate="1.0.1"} 0',
    ]);
    const text = await metrics.registry.metrics();
    assert.match(
      text,
      /lead_scoring_canary_fallbacks_total\{model="lead-scoring",version="1\.0\.1"\} 30/,
    );
    assert.match(
      text,
      /lead_scoring_rollout_stops_total\{model="lead-scoring",version="1\.0\.1",guardrail="error_rate"\} 1/,
    );
    assert.match(
      text,
      /lead_scoring_inference_duration_seconds_count\{model="lead-scoring",version="1\.0\.0"\} 30/,
    );
  });

  it("a healthy canary is not stopped; its inference metrics carry its version", async () => {
    const { metrics, dataPlane, watch, stops } = await service(state("canary", 100, 0), "fixed");
    for (let i = 0; i < 30; i++) await dataPlane.predict({ instances: [{ visits: 1 }] });
    await watch.check();
    assert.deepEqual(stops, []);
    assert.match(
      await metrics.registry.metrics(),
      /lead_scoring_inference_duration_seconds_count\{model="lead-scoring",version="1\.0\.1"\} 30/,
    );
  });

  it("shadow: comparisons per pair of versions, disagreement stops it, shadow records flagged", async () => {
    const { metrics, dataPlane, watch, stops, sink, predictionLog } = await service(
      state("shadow", 0, 1),
      "fixed",
    );
    // Production 0.125, candidate 0.25: at threshold 0.2 every instance is decided differently.
    for (let i = 0; i < 25; i++) {
      await dataPlane.predict({ instances: [{ visits: 1, lead_id: `L${i}` }], threshold: 0.2 });
      await turn();
    }
    await turn();
    const text = await metrics.registry.metrics();
    const labels = 'model="lead-scoring",production="1.0.0",candidate="1.0.1"';
    assert.ok(text.includes(`lead_scoring_shadow_window_instances{${labels}} 25`), text);
    assert.ok(text.includes(`lead_scoring_shadow_abs_diff_mean{${labels}} 0.125`));
    assert.ok(text.includes(`lead_scoring_shadow_abs_diff_p99{${labels}} 0.125`));
    assert.ok(text.includes(`lead_scoring_shadow_agreement{${labels}} 0`));
    assert.match(
      text,
      /lead_scoring_shadow_duration_seconds_count\{model="lead-scoring",version="1\.0\.1"\} 25/,
    );
    await watch.check();
    assert.match(stops[0] ?? "", /^shadow disagreement 1 > 0\.1 over 300 s \(25 of 25 instances/);

    await predictionLog.flush();
    const records = sink.records as PredictionRecord[];
    const shadow = records.filter((record) => record.shadow === true);
    const answered = records.filter((record) => record.shadow === undefined);
    assert.equal(answered.length, 25);
    assert.equal(shadow.length, 25);
    assert.deepEqual(new Set(shadow.map((record) => record.model_version)), new Set(["1.0.1"]));
    assert.deepEqual(
      shadow.map((record) => [record.lead_id, record.score, record.label]).slice(0, 1),
      [["L0", 0.25, 1]],
    );
    assert.ok(answered.every((record) => record.model_version === "1.0.0" && record.label === 0));
  });
});
