import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { builtInGolden, buildTestApp, type TestApp } from "../support/app.js";

interface PredictBody {
  predictions: (number | { probability: number; label: number })[];
  model: string;
  modelVersion: string;
}
interface ErrorBody {
  error: string;
  code: string;
}

describe("POST /predict (Vertex AI body)", () => {
  let t: TestApp;
  const golden = builtInGolden();
  const first = golden.rows[0]!.instance;

  before(async () => {
    t = await buildTestApp({ env: { MAX_BATCH_SIZE: "500" } });
  });
  after(() => t.app.close());

  const predict = (payload: unknown) =>
    t.app.inject({ method: "POST", url: "/predict", payload: payload as object });

  it("reproduces XGBoost's prediction for every golden row within 1e-5", async () => {
    const response = await predict({ instances: golden.rows.map((row) => row.instance) });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<PredictBody>();
    assert.equal(body.predictions.length, golden.rows.length);
    golden.rows.forEach((row, i) => {
      const got = body.predictions[i] as number;
      assert.ok(Math.abs(got - row.prediction) <= 1e-5, `row ${i}: ${got} vs ${row.prediction}`);
    });
  });

  it("answers with the model name and version that scored", async () => {
    const body = (await predict({ instances: [first] })).json<PredictBody>();
    assert.equal(body.model, "lead-scoring");
    assert.equal(body.modelVersion, golden.model_version);
  });

  it("adds a label at a requested threshold", async () => {
    const instances = golden.rows.slice(0, 20).map((row) => row.instance);
    const body = (await predict({ instances, parameters: { threshold: 0.5 } })).json<PredictBody>();
    body.predictions.forEach((prediction, i) => {
      assert.equal(typeof prediction, "object");
      const { probability, label } = prediction as { probability: number; label: number };
      assert.ok(Math.abs(probability - golden.rows[i]!.prediction) <= 1e-5);
      assert.equal(label, probability >= 0.5 ? 1 : 0);
    });
  });

  const rejects = async (payload: unknown, status: number, pattern: RegExp) => {
    const response = await predict(payload);
    assert.equal(response.statusCode, status, response.body);
    const body = response.json<ErrorBody>();
    assert.match(body.error, pattern);
    assert.doesNotMatch(response.body, /at .*\.ts:\d+/, "no stack trace in the body");
  };

  it("400 names the instance and field of a wrong type", () =>
    rejects(
      { instances: [first, { ...first, total_visits: "five" }] },
      400,
      /instance 1, field "total_visits": expected a number or null, got string "five"/,
    ));

  it("400 names a categorical field given a number", () =>
    rejects(
      { instances: [{ ...first, lead_origin: 3 }] },
      400,
      /instance 0, field "lead_origin": expected a string or null, got number 3/,
    ));

  it("400 names an unknown field", () =>
    rejects(
      { instances: [{ ...first, shoe_size: 42 }] },
      400,
      /instance 0, field "shoe_size": unknown field/,
    ));

  it("400 for a non-finite number", () =>
    t.app
      .inject({
        method: "POST",
        url: "/predict",
        headers: { "content-type": "application/json" },
        payload: `{"instances": [{"total_visits": 1e999}]}`,
      })
      .then((response) => {
        assert.equal(response.statusCode, 400);
        // JSON's 1e999 parses as Infinity, which no model can score.
        assert.match(
          response.json<ErrorBody>().error,
          /instance 0, field "total_visits": expected a finite number, got Infinity/,
        );
      }));

  it("400 for an instance that is not an object", () =>
    rejects({ instances: [first, [1, 2]] }, 400, /body\.instances\[1\]: must be object/));

  it("400 for empty instances", () =>
    rejects({ instances: [] }, 400, /body\.instances: must NOT have fewer than 1 items/));

  it("400 for a missing instances property", () =>
    rejects(
      { rows: [first] },
      400,
      /unknown property "rows"|must have required property 'instances'/,
    ));

  it("400 for a batch over the configured maximum", () =>
    rejects(
      { instances: Array.from({ length: 501 }, () => first) },
      400,
      /body\.instances: must NOT have more than 500 items/,
    ));

  it("400 for a threshold outside 0..1", () =>
    rejects(
      { instances: [first], parameters: { threshold: 2 } },
      400,
      /parameters\.threshold: must be <= 1/,
    ));

  it("400 for malformed JSON", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/predict",
      headers: { "content-type": "application/json" },
      payload: '{"instances": [',
    });
    assert.equal(response.statusCode, 400);
    assert.ok(response.json<ErrorBody>().error.length > 0);
  });

  it("413 BODY_TOO_LARGE naming the limit for a body over 1.5 MB", async () => {
    const big = { instances: [{ ...first, city: "x".repeat(1_600_000) }] };
    await rejects(big, 413, /too large: the limit is 1572864 bytes/);
    assert.equal((await predict(big)).json<ErrorBody>().code, "BODY_TOO_LARGE");
  });

  it("treats null, the Select sentinel and an absent key alike", async () => {
    const absent: Record<string, unknown> = { ...first };
    delete absent.total_visits;
    const body = (
      await predict({
        instances: [
          { ...first, total_visits: null, specialization: null },
          { ...first, total_visits: "Select", specialization: "Select" },
          { ...absent, specialization: null },
        ],
      })
    ).json<PredictBody>();
    assert.equal(body.predictions[0], body.predictions[1]);
    assert.equal(body.predictions[0], body.predictions[2]);
  });

  it("scores an unseen category (ignored, like the encoder) and counts it", async () => {
    const response = await predict({ instances: [{ ...first, country: "Atlantis" }] });
    assert.equal(response.statusCode, 200);
    const metrics = await t.metrics.registry.getSingleMetricAsString(
      "lead_scoring_unknown_categories_total",
    );
    assert.match(metrics, /field="country"} [1-9]/);
  });

  it("keeps answering correctly after rejected requests", async () => {
    await predict({ instances: [{ ...first, total_visits: "x" }] });
    const body = (await predict({ instances: [first] })).json<PredictBody>();
    assert.ok(Math.abs((body.predictions[0] as number) - golden.rows[0]!.prediction) <= 1e-5);
  });
});
