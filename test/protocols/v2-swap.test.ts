import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DataPlaneLimits } from "../../src/dataplane/dataplane.js";
import { buildTestApp, type TestApp } from "../support/app.js";
import { fakeModel, OTHER_SCHEMA, scoreOf, type FakeModel } from "../support/fake-models.js";

interface InferResponse {
  model_name: string;
  model_version: string;
  outputs: { name: string; data: number[] }[];
}

/** The two encodings a V2 infer body may use, for the fake schemas. */
const BODIES = {
  /** LEAD_SCHEMA's raw fields, one input each (MLServer's "pd" content type). */
  leadTabular: {
    inputs: [
      { name: "visits", datatype: "FP64", shape: [1], data: [4] },
      { name: "source", datatype: "BYTES", shape: [1], data: ["ads"] },
    ],
  },
  /** LEAD_SCHEMA's preprocessed tensor. */
  leadTensor: { inputs: [{ name: "features", datatype: "FP32", shape: [1, 3], data: [4, 0, 1] }] },
  /** OTHER_SCHEMA's raw fields. */
  otherTabular: {
    inputs: [
      { name: "minutes", datatype: "FP64", shape: [1], data: [7] },
      { name: "channel", datatype: "BYTES", shape: [1], data: ["chat"] },
    ],
  },
} as const;

const infer = (t: TestApp, payload: object) =>
  t.app.inject({ method: "POST", url: "/v2/models/lead-scoring/infer", payload });

/** Asserts a 200 answered by `version` of lead-scoring with that version's fake score. */
function assertAnsweredBy(response: { statusCode: number; body: string }, version: string): void {
  assert.equal(response.statusCode, 200, response.body);
  const body = JSON.parse(response.body) as InferResponse;
  assert.deepEqual(
    [body.model_name, body.model_version, body.outputs[0]?.name, body.outputs[0]?.data],
    ["lead-scoring", version, "probability", [scoreOf(version)]],
  );
}

/**
 * Data-plane limits that run an action the first time maxBatchSize is read after arm(). The V2
 * decoder reads it first thing (checking the rows an input declares), so an armed action runs
 * inside the decoding of the next infer request: a swap lands between decode and scoring.
 */
class Tripwire implements DataPlaneLimits {
  readonly maxStringLength = 100;
  private action: (() => void) | undefined;

  get maxBatchSize(): number {
    const action = this.action;
    this.action = undefined;
    action?.();
    return 10;
  }

  arm(action: () => void): void {
    this.action = action;
  }
}

describe("V2 infer across a swap to another schema", () => {
  it("a request held inside scoring completes on the first version; requests after the swap decode against the new schema", async () => {
    const old = await fakeModel("1.0.0", { behaviour: "gated" });
    const next = await fakeModel("1.0.1", { schema: OTHER_SCHEMA });
    const t = await buildTestApp({ model: old.model });
    try {
      const held = [infer(t, BODIES.leadTabular), infer(t, BODIES.leadTensor)];
      await old.scorer.entered(2); // both are inside scoring, on 1.0.0
      await t.holder.swap(next.model);

      const oldFields = await infer(t, BODIES.leadTabular);
      assert.equal(oldFields.statusCode, 400, oldFields.body);
      assert.match(
        oldFields.json<{ error: string }>().error,
        /input "visits" is not a field of model "lead-scoring"; expected one of minutes, channel/,
      );
      const oldTensor = await infer(t, BODIES.leadTensor);
      assert.equal(oldTensor.statusCode, 400, oldTensor.body);
      assert.match(oldTensor.json<{ error: string }>().error, /input "features" is not a field/);
      assertAnsweredBy(await infer(t, BODIES.otherTabular), "1.0.1");
      assert.equal(old.scorer.releases, 0, "released under running requests");

      old.scorer.open();
      for (const response of await Promise.all(held)) assertAnsweredBy(response, "1.0.0");
      assert.equal(old.scorer.releases, 1);
      assert.equal(next.scorer.calls, 1, "1.0.1 scored only the request sent to it");
    } finally {
      await t.app.close();
    }
  });

  for (const body of ["leadTabular", "leadTensor"] as const) {
    it(`${body}: a swap landing while the request is decoded cannot mix versions`, async () => {
      const limits = new Tripwire();
      const old: FakeModel = await fakeModel("1.0.0");
      const next = await fakeModel("1.0.1", { schema: OTHER_SCHEMA });
      const t = await buildTestApp({ model: old.model, limits });
      try {
        let swapped: Promise<unknown> | undefined;
        let scoredBeforeSwap: number | undefined;
        limits.arm(() => {
          scoredBeforeSwap = old.scorer.calls;
          swapped = t.holder.swap(next.model);
        });
        const response = await infer(t, BODIES[body]);
        assert.ok(swapped !== undefined, "the swap did not land inside the request");
        assert.equal(scoredBeforeSwap, 0, "the swap landed before scoring");
        await swapped;
        // Decoded for 1.0.0, so scored by 1.0.0: never fed to 1.0.1, whose schema rejects it.
        assertAnsweredBy(response, "1.0.0");
        assert.deepEqual([old.scorer.calls, next.scorer.calls], [1, 0]);
        assert.equal(old.scorer.releases, 1);
        assertAnsweredBy(await infer(t, BODIES.otherTabular), "1.0.1");
      } finally {
        await t.app.close();
      }
    });
  }
});
