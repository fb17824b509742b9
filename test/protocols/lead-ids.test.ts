import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ScoredBatch } from "../../src/dataplane/observer.js";
import { builtInGolden, buildTestApp, recordScored, type TestApp } from "../support/app.js";

interface PredictBody {
  predictions: unknown[];
  model: string;
  modelVersion: string;
  leadIds?: (string | null)[];
}

describe("lead ids: an instance's id field is not a feature, is echoed and reaches the observer", () => {
  let t: TestApp;
  const golden = builtInGolden();
  const first = golden.rows[0]!.instance;
  const second = golden.rows[1]!.instance;
  let seen: ScoredBatch[] = [];

  before(async () => {
    t = await buildTestApp();
    seen = recordScored(t.metrics);
  });
  after(() => t.app.close());

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: "POST", url, payload: payload as object, headers });

  it("without ids the Vertex body is exactly as before: no leadIds key", async () => {
    const response = await post("/predict", { instances: [first] });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(Object.keys(response.json<PredictBody>()).sort(), [
      "model",
      "modelVersion",
      "predictions",
    ]);
  });

  it("echoes ids in leadIds (null where absent) and scores exactly as without them", async () => {
    const plain = (await post("/predict", { instances: [first, second] })).json<PredictBody>();
    const response = await post(
      "/predict",
      { instances: [{ ...first, lead_id: "L-1" }, second] },
      { "x-request-id": "req-42" },
    );
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<PredictBody>();
    assert.deepEqual(body.predictions, plain.predictions);
    assert.deepEqual(body.leadIds, ["L-1", null]);
    const batch = seen.at(-1)!;
    assert.deepEqual(batch.ids, ["L-1", undefined]);
    assert.equal(batch.context?.requestId, "req-42");
    assert.ok(batch.input.kind === "instances");
    assert.ok(!("lead_id" in (batch.input.instances[0] as object)), "the id is not a feature");
  });

  it("KServe V1 and /explain take and echo ids too", async () => {
    const v1 = await post("/v1/models/lead-scoring:predict", {
      instances: [{ ...first, lead_id: "L-7" }],
    });
    assert.equal(v1.statusCode, 200, v1.body);
    assert.deepEqual(v1.json<PredictBody>().leadIds, ["L-7"]);
    const explain = await post("/explain", { instances: [{ ...first, lead_id: "L-8" }] });
    assert.equal(explain.statusCode, 200, explain.body);
    assert.deepEqual(explain.json<PredictBody>().leadIds, ["L-8"]);
  });

  it("a non-string id is a 400 naming the field", async () => {
    const response = await post("/predict", { instances: [first, { ...second, lead_id: 12 }] });
    assert.equal(response.statusCode, 400, response.body);
    assert.match(response.json<{ error: string }>().error, /lead_id/);
  });

  it("the data plane itself names the instance and field of a non-string id", async () => {
    await assert.rejects(
      t.dataPlane.predict({ instances: [first, { ...second, lead_id: 12 }] }),
      /instances\[1\]\.lead_id: expected a string id, got number 12/,
    );
  });

  it("LEAD_ID_FIELD renames the id field", async () => {
    const other = await buildTestApp({ env: { LEAD_ID_FIELD: "crm_id" } });
    try {
      const response = await other.app.inject({
        method: "POST",
        url: "/predict",
        payload: { instances: [{ ...first, crm_id: "C-1" }] },
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json<PredictBody>().leadIds, ["C-1"]);
    } finally {
      await other.app.close();
    }
  });
});
