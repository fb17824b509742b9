import assert from "node:assert/strict";
import { setImmediate as turn } from "node:timers/promises";
import { describe, it } from "node:test";
import { DataPlane } from "../../src/dataplane/dataplane.js";
import type { DataPlaneObserver, ShadowScored } from "../../src/dataplane/observer.js";
import { silentObserver } from "../../src/dataplane/observer.js";
import { ModelSet } from "../../src/lifecycle/model-set.js";
import { CANDIDATE, RolloutPlan } from "../../src/lifecycle/rollout-plan.js";
import type { LoadedModel } from "../../src/model/loaded-model.js";
import { DEFAULT_GUARDRAILS, type RolloutState } from "../../src/registry/rollout.js";
import { fakeModel, scoreOf, type FakeBehaviour } from "../support/fake-models.js";

const LIMITS = { maxBatchSize: 10, maxStringLength: 100 };
const PRODUCTION = "1.0.0";
const CANDIDATE_VERSION = "1.0.1";

function state(mode: RolloutState["mode"], share: number, sampling = 0): RolloutState {
  return {
    alias: "production",
    candidate: CANDIDATE_VERSION,
    mode,
    share,
    shadow_sampling: sampling,
    guardrails: DEFAULT_GUARDRAILS,
    status: "active",
    history: [],
  };
}

/** What the rollout hooks of the observer heard. */
interface Heard {
  fallbacks: string[];
  shadows: ShadowScored[];
  shadowFailures: string[];
  drops: number;
}

async function setup(
  rollout: RolloutState,
  behaviour: FakeBehaviour = "fixed",
  shadowQueueSize = 1000,
) {
  const models = new ModelSet();
  const production = await fakeModel(PRODUCTION);
  const candidate = await fakeModel(CANDIDATE_VERSION, { behaviour });
  await models.holder().swap(production.model);
  await models.holder(CANDIDATE).swap(candidate.model);
  const plan = new RolloutPlan(models.holder(CANDIDATE));
  plan.follow(rollout, "1");
  const heard: Heard = { fallbacks: [], shadows: [], shadowFailures: [], drops: 0 };
  const observer: DataPlaneObserver = {
    ...silentObserver,
    candidateFallback: (model: LoadedModel) => void heard.fallbacks.push(model.version),
    shadowScored: (shadow) => void heard.shadows.push(shadow),
    shadowFailed: (_production, model) => void heard.shadowFailures.push(model.version),
    shadowDropped: () => void heard.drops++,
  };
  const dataPlane = new DataPlane(models.holder(), LIMITS, observer, {
    rollout: plan,
    shadowQueueSize,
  });
  return { dataPlane, plan, heard, candidate };
}

const lead = (id?: string) => ({
  visits: 1,
  source: "web",
  ...(id === undefined ? {} : { lead_id: id }),
});

/** Within `sigmas` binomial standard deviations of n·p: fails one run in ~1.7 million at 5. */
function assertBinomial(count: number, n: number, p: number, sigmas = 5): void {
  const sd = Math.sqrt(n * p * (1 - p));
  assert.ok(
    Math.abs(count - n * p) <= sigmas * sd,
    `${count} of ${n} outside ${n * p} ± ${Math.round(sigmas * sd)}`,
  );
}

describe("canary split", () => {
  it("sends the share of 10,000 requests without ids to the candidate, within bounds", async () => {
    const { dataPlane } = await setup(state("canary", 30));
    let toCandidate = 0;
    for (let i = 0; i < 10_000; i++) {
      const result = await dataPlane.predict({ instances: [lead()] });
      if (result.version === CANDIDATE_VERSION) toCandidate++;
      assert.equal(result.scores[0], scoreOf(result.version), "the version named answered");
    }
    assertBinomial(toCandidate, 10_000, 0.3);
  });

  it("splits 10,000 distinct lead ids by their hash, within bounds", async () => {
    const { dataPlane } = await setup(state("canary", 10));
    let toCandidate = 0;
    for (let i = 0; i < 10_000; i++) {
      const result = await dataPlane.predict({ instances: [lead(`lead-${i}`)] });
      if (result.version === CANDIDATE_VERSION) toCandidate++;
    }
    assertBinomial(toCandidate, 10_000, 0.1);
  });

  it("is sticky per lead id, and a higher share only moves leads to the candidate", async () => {
    const { dataPlane, plan } = await setup(state("canary", 20));
    const versionOf = async (id: string) =>
      (await dataPlane.predict({ instances: [lead(id)] })).version;
    const first = new Map<string, string>();
    for (let i = 0; i < 500; i++) first.set(`L${i}`, await versionOf(`L${i}`));
    for (const [id, version] of first) assert.equal(await versionOf(id), version, id);
    assert.ok([...first.values()].includes(CANDIDATE_VERSION));
    plan.follow(state("canary", 50), "2");
    for (const [id, version] of first) {
      if (version === CANDIDATE_VERSION) assert.equal(await versionOf(id), CANDIDATE_VERSION, id);
    }
  });

  it("0 % and 100 % are exact", async () => {
    const { dataPlane, plan } = await setup(state("canary", 0));
    for (let i = 0; i < 200; i++) {
      assert.equal((await dataPlane.predict({ instances: [lead(`x${i}`)] })).version, PRODUCTION);
    }
    plan.follow(state("canary", 100), "2");
    for (let i = 0; i < 200; i++) {
      const result = await dataPlane.predict({ instances: [lead(`x${i}`)] });
      assert.equal(result.version, CANDIDATE_VERSION);
    }
  });

  it("a candidate that throws falls back to production for that request, counted", async () => {
    const { dataPlane, heard } = await setup(state("canary", 100), "failing");
    for (let i = 0; i < 20; i++) {
      const result = await dataPlane.predict({ instances: [lead()] });
      assert.equal(result.version, PRODUCTION);
      assert.equal(result.scores[0], scoreOf(PRODUCTION));
    }
    assert.equal(heard.fallbacks.length, 20);
    // The client's own error is not the candidate's: production refuses it too, not counted.
    await assert.rejects(dataPlane.predict({ instances: [{ visits: "many" }] }), /visits/);
    assert.equal(heard.fallbacks.length, 20);
  });

  it("a guardrail stop routes 0 % at once, until the rollout state changes", async () => {
    const { dataPlane, plan } = await setup(state("canary", 100));
    plan.stop("error rate 0.5 > 0.01");
    assert.equal((await dataPlane.predict({ instances: [lead()] })).version, PRODUCTION);
    plan.follow(state("canary", 100), "1"); // the same state, polled again: still stopped
    assert.equal((await dataPlane.predict({ instances: [lead()] })).version, PRODUCTION);
    plan.follow(state("canary", 100), "2"); // a person set the share again
    assert.equal((await dataPlane.predict({ instances: [lead()] })).version, CANDIDATE_VERSION);
  });
});

describe("a request for a version by number", () => {
  it("is answered by the candidate while it is loaded, never falling back", async () => {
    const { dataPlane, plan } = await setup(state("canary", 0), "failing");
    const byVersion = (version: string) =>
      dataPlane.score({ version }, () => ({ kind: "instances", instances: [lead()] }));
    assert.equal((await byVersion(PRODUCTION)).version, PRODUCTION);
    await assert.rejects(byVersion(CANDIDATE_VERSION), /fake model 1\.0\.1 failed/);
    await plan.candidate.close();
    await assert.rejects(byVersion(CANDIDATE_VERSION), /version "1\.0\.1" .* not served here/);
  });
});

describe("shadow mode", () => {
  it("never changes a production response, and scores the same input after it", async () => {
    const { dataPlane, heard } = await setup(state("shadow", 0, 1));
    const result = await dataPlane.predict({ instances: [lead("a"), lead("b")], threshold: 0.2 });
    assert.equal(result.version, PRODUCTION);
    assert.deepEqual(Array.from(result.scores), [scoreOf(PRODUCTION), scoreOf(PRODUCTION)]);
    assert.equal(heard.shadows.length, 0, "nothing was shadow-scored before the response");
    await turn();
    assert.equal(heard.shadows.length, 1);
    const [shadow] = heard.shadows;
    assert.equal(shadow!.candidate.version, CANDIDATE_VERSION);
    assert.deepEqual(Array.from(shadow!.scores), [
      scoreOf(CANDIDATE_VERSION),
      scoreOf(CANDIDATE_VERSION),
    ]);
    assert.deepEqual(shadow!.production.ids, ["a", "b"]);
  });

  it("a candidate that never answers delays no response; the full queue drops and counts", async () => {
    const { dataPlane, heard, candidate } = await setup(state("shadow", 0, 1), "gated", 3);
    for (let i = 0; i < 10; i++) {
      const result = await dataPlane.predict({ instances: [lead()] });
      assert.equal(result.version, PRODUCTION);
      assert.equal(result.scores[0], scoreOf(PRODUCTION));
      await turn();
    }
    await candidate.scorer.entered();
    assert.equal(candidate.scorer.calls, 1, "one shadow batch at a time");
    // One held inside the candidate, three waiting: the other six were dropped.
    assert.equal(heard.drops, 6);
    candidate.scorer.open();
    for (let i = 0; i < 10 && heard.shadows.length < 4; i++) await turn();
    assert.equal(heard.shadows.length, 4);
  });

  it("a candidate that throws changes no response; the failure is counted", async () => {
    const { dataPlane, heard } = await setup(state("shadow", 0, 1), "failing");
    for (let i = 0; i < 5; i++) {
      const result = await dataPlane.predict({ instances: [lead()] });
      assert.equal(result.scores[0], scoreOf(PRODUCTION));
      await turn();
    }
    assert.deepEqual(heard.shadowFailures, Array(5).fill(CANDIDATE_VERSION));
  });

  it("samples the configured share of requests", async () => {
    const { dataPlane, heard } = await setup(state("shadow", 0, 0.25));
    for (let i = 0; i < 4000; i++) {
      await dataPlane.predict({ instances: [lead()] });
      if (i % 100 === 0) await turn();
    }
    // Settled: the queue is empty once nothing changes for a few turns.
    for (let quiet = 0, seen = -1; quiet < 5;) {
      await turn();
      const now = heard.shadows.length + heard.drops;
      quiet = now === seen ? quiet + 1 : 0;
      seen = now;
    }
    assertBinomial(heard.shadows.length + heard.drops, 4000, 0.25);
  });
});
