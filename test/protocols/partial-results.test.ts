import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ScoredBatch } from "../../src/dataplane/observer.js";
import { builtInGolden, buildTestApp, recordScored, type TestApp } from "../support/app.js";

interface PredictBody {
  predictions: unknown[];
  leadIds?: (string | null)[];
}

describe("results per instance: parameters.partial", () => {
  let t: TestApp;
  const golden = builtInGolden();
  const good = golden.rows[0]!.instance;
  const other = golden.rows[1]!.instance;
  let seen: ScoredBatch[] = [];

  before(async () => {
    t = await buildTestApp();
    seen = recordScored(t.metrics);
  });
  after(() => t.app.close());

  const post = (url: string, payload: unknown) =>
    t.app.inject({ method: "POST", url, payload: payload as object });

  /** Invalid instances of every kind the data plane checks per instance. */
  const BAD: Record<string, unknown> = {
    "wrong type": { ...good, total_visits: "many" },
    "unknown field": { ...good, favourite_colour: "red" },
    "category of the wrong type": { ...good, lead_origin: 7 },
    "nested value": { ...good, country: { name: "India" } },
    "over-long string": { ...good, lead_origin: "x".repeat(300) },
    "non-string id": { ...good, lead_id: 42 },
    "over-long id": { ...good, lead_id: "L".repeat(300) },
    "empty object": {},
  };

  for (const url of ["/predict", "/v1/models/lead-scoring:predict"]) {
    it(`${url}: each invalid instance gets exactly the answer it gets alone; the rest are scored`, async () => {
      const names = Object.keys(BAD).filter((name) => name !== "empty object");
      const instances = [{ ...good, lead_id: "L-good" }, ...names.map((name) => BAD[name]), other];
      const response = await post(url, { instances, parameters: { partial: true } });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json<PredictBody>();
      assert.equal(body.predictions.length, instances.length);

      const alone = await post(url, { instances: [good] });
      assert.deepEqual(body.predictions[0], alone.json<PredictBody>().predictions[0]);
      const last = await post(url, { instances: [other] });
      assert.deepEqual(body.predictions.at(-1), last.json<PredictBody>().predictions[0]);

      for (const [i, name] of names.entries()) {
        const single = await post(url, { instances: [BAD[name]] });
        assert.equal(single.statusCode, 400, `${name} alone: ${single.body}`);
        assert.deepEqual(body.predictions[i + 1], single.json(), name);
      }
    });
  }

  it("an empty object is a valid instance (every field missing) and is scored", async () => {
    const response = await post("/predict", {
      instances: [BAD["empty object"]],
      parameters: { partial: true },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(typeof response.json<PredictBody>().predictions[0], "number");
  });

  it("echoes each record's lead id, failed records included, and labels at a threshold", async () => {
    const response = await post("/predict", {
      instances: [
        { ...good, lead_id: "L-1" },
        { ...good, lead_id: "L-2", total_visits: true },
        other,
      ],
      parameters: { partial: true, threshold: 0.5 },
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<PredictBody>();
    assert.deepEqual(body.leadIds, ["L-1", "L-2", null]);
    const [first, failed, third] = body.predictions as Record<string, unknown>[];
    assert.deepEqual(Object.keys(first!).sort(), ["label", "probability"]);
    assert.deepEqual(Object.keys(failed!).sort(), ["code", "error"]);
    assert.equal(failed!.code, "INVALID_INPUT");
    assert.deepEqual(Object.keys(third!).sort(), ["label", "probability"]);
  });

  it("when no instance is valid, answers exactly what the batch gets without partial", async () => {
    const instances = [BAD["unknown field"], BAD["wrong type"]];
    const partial = await post("/predict", { instances, parameters: { partial: true } });
    const whole = await post("/predict", { instances });
    assert.equal(whole.statusCode, 400);
    assert.equal(partial.statusCode, whole.statusCode);
    assert.deepEqual(partial.json(), whole.json());
  });

  it("without partial one invalid instance still fails the whole batch", async () => {
    const response = await post("/predict", { instances: [good, BAD["wrong type"]] });
    assert.equal(response.statusCode, 400);
    assert.match(response.json<{ error: string }>().error, /instance 1, field "total_visits"/);
  });

  it("monitoring and the prediction log see only the scored instances, with their ids", async () => {
    seen.length = 0;
    await post("/predict", {
      instances: [
        { ...good, lead_id: "L-1" },
        { ...good, lead_id: "L-2", total_visits: "x" },
        { ...other, lead_id: "L-3" },
      ],
      parameters: { partial: true },
    });
    assert.equal(seen.length, 1);
    const [batch] = seen;
    assert.equal(batch!.scores.length, 2);
    assert.deepEqual(batch!.ids, ["L-1", "L-3"]);
    assert.equal(batch!.input.kind, "instances");
    if (batch!.input.kind === "instances") {
      assert.deepEqual(batch!.input.instances, [good, other], "ids taken out, failed one absent");
    }
  });

  it("/explain does not take partial: it says so rather than ignoring it", async () => {
    const response = await post("/explain", { instances: [good], parameters: { partial: true } });
    assert.equal(response.statusCode, 400);
    assert.match(response.json<{ error: string }>().error, /unknown property "partial"/);
  });

  it("the whole request still fails for what concerns the request, not an instance", async () => {
    const response = await post("/v1/models/other-model:predict", {
      instances: [good],
      parameters: { partial: true },
    });
    assert.equal(response.statusCode, 404);
    const tooMany = await post("/predict", {
      instances: Array.from({ length: t.config.maxBatchSize + 1 }, () => good),
      parameters: { partial: true },
    });
    assert.equal(tooMany.statusCode, 400);
    assert.match(tooMany.json<{ error: string }>().error, /instances: must NOT have more than/);
    const notAnObject = await post("/predict", {
      instances: [good, 5],
      parameters: { partial: true },
    });
    assert.equal(notAnObject.statusCode, 400, "the body schema bounds the shape: objects");
    const notBoolean = await post("/predict", { instances: [good], parameters: { partial: 1 } });
    assert.equal(notBoolean.statusCode, 400);
    assert.match(notBoolean.json<{ error: string }>().error, /parameters\.partial/);
  });
});
