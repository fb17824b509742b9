import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DataPlane } from "../../src/dataplane/dataplane.js";
import type { ModelInfo } from "../../src/dataplane/model-info.js";
import type { PredictResult } from "../../src/dataplane/types.js";
import { ModelHolder } from "../../src/lifecycle/model-holder.js";
import { fakeModel, OTHER_SCHEMA, scoreOf } from "../support/fake-models.js";

const LIMITS = { maxBatchSize: 10, maxStringLength: 100 };

/** One instance with the first (numeric) field of `info`'s schema: only that version accepts it. */
function instanceFor(info: ModelInfo): Record<string, unknown> {
  const field = info.fields[0];
  if (field?.type !== "number") throw new Error("fake schemas start with a number field");
  return { [field.name]: 2 };
}

/** What a request saw: the result, and for score() the ModelInfo its decode was given. */
interface Answer {
  readonly result: PredictResult;
  readonly decodedWith?: string;
}

/** Each data-plane operation, on a LEAD_SCHEMA instance. */
const OPERATIONS: Record<string, (dataPlane: DataPlane) => Promise<Answer>> = {
  predict: async (dataPlane) => ({
    result: await dataPlane.predict({ instances: [{ visits: 1, source: "ads" }] }),
  }),
  explain: async (dataPlane) => ({
    result: await dataPlane.explain({
      instances: [{ visits: 1, source: "ads" }],
      method: "sampled_shapley",
      pathCount: 1,
    }),
  }),
  score: async (dataPlane) => {
    let decodedWith: string | undefined;
    const result = await dataPlane.score({ model: "lead-scoring" }, (info) => {
      decodedWith = `${info.version} ${info.tensor.name}[${info.tensor.width}]`;
      return { kind: "instances", instances: [instanceFor(info)] };
    });
    return { result, decodedWith };
  },
};

describe("DataPlane over a swap", () => {
  for (const [name, operation] of Object.entries(OPERATIONS)) {
    it(`${name}: a request that started before a swap answers from the version it started on`, async () => {
      const old = await fakeModel("1.0.0", { behaviour: "gated" });
      const next = await fakeModel("1.0.1", { schema: OTHER_SCHEMA });
      const holder = new ModelHolder();
      await holder.swap(old.model);
      const dataPlane = new DataPlane(holder, LIMITS);

      const request = operation(dataPlane);
      await old.scorer.entered(); // held inside scoring, on 1.0.0
      await holder.swap(next.model);
      assert.equal(dataPlane.model().version, "1.0.1", "new requests see the new version");
      assert.equal(old.scorer.releases, 0, "released under a running request");
      old.scorer.open();
      const { result, decodedWith } = await request;

      assert.equal(result.version, "1.0.0");
      assert.deepEqual(Array.from(result.scores), [scoreOf("1.0.0")]);
      if (name === "score") assert.equal(decodedWith, "1.0.0 features[3]");
      assert.equal(old.scorer.releases, 1, "released once its request ended");
      assert.equal(next.scorer.calls, 0, "the new version scored nothing of it");
    });
  }

  it("score(): decode sees the ModelInfo of the version that scores, even if a swap lands inside decode", async () => {
    const old = await fakeModel("1.0.0");
    const next = await fakeModel("1.0.1", { schema: OTHER_SCHEMA });
    const holder = new ModelHolder();
    await holder.swap(old.model);
    const dataPlane = new DataPlane(holder, LIMITS);
    const decoded: string[] = [];
    let swapped: Promise<unknown> = Promise.resolve();
    const request = (swapInsideDecode: boolean) =>
      dataPlane.score({}, (info) => {
        decoded.push(info.version);
        // The swap takes effect synchronously: this request has already leased its version.
        if (swapInsideDecode) swapped = holder.swap(next.model);
        return { kind: "instances", instances: [instanceFor(info)] };
      });

    const first = await request(true);
    await swapped;
    const second = await request(false);

    assert.deepEqual(decoded, ["1.0.0", "1.0.1"]);
    assert.deepEqual(
      [first.version, Array.from(first.scores)],
      ["1.0.0", [scoreOf("1.0.0")]],
      "decoded for 1.0.0, scored by 1.0.0",
    );
    assert.deepEqual([second.version, Array.from(second.scores)], ["1.0.1", [scoreOf("1.0.1")]]);
    assert.deepEqual([old.scorer.calls, next.scorer.calls], [1, 1]);
    assert.equal(old.scorer.releases, 1);
  });
});
