import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readFileSync } from "node:fs";
import path from "node:path";
import { readableFieldName } from "../../src/dataplane/model-info.js";
import { fakeModel, OTHER_SCHEMA } from "../support/fake-models.js";
import { builtInGolden, buildTestApp, builtInVersionDir, type TestApp } from "../support/app.js";

describe("KServe V1", () => {
  let t: TestApp;
  const golden = builtInGolden();

  before(async () => {
    t = await buildTestApp();
  });
  after(() => t.app.close());

  it("lists the served model", async () => {
    const response = await t.app.inject({ method: "GET", url: "/v1/models" });
    assert.deepEqual(response.json(), { models: ["lead-scoring"] });
  });

  it("describes the model with its readiness and version, and lists its fields", async () => {
    const response = await t.app.inject({ method: "GET", url: "/v1/models/lead-scoring" });
    const body = response.json<Record<string, unknown>>();
    const { name, ready, version, scorer, fields, missingValues } = body;
    assert.deepEqual(
      { name, ready, version, scorer },
      { name: "lead-scoring", ready: true, version: golden.model_version, scorer: "trees" },
    );
    // The fields themselves: test/protocols/model-schema.test.ts.
    assert.ok(Array.isArray(fields) && fields.length > 0);
    assert.ok(Array.isArray(missingValues));
  });

  it("tells when the version was trained, its numeric metrics and its typical lead", async () => {
    const metadata = JSON.parse(
      readFileSync(path.join(builtInVersionDir(), "metadata.json"), "utf8"),
    ) as {
      created_at: string;
      metrics: Record<string, unknown>;
      primary_metric: { name: string; value: number };
      explain_baseline: Record<string, unknown>;
    };
    const response = await t.app.inject({ method: "GET", url: "/v1/models/lead-scoring" });
    const body = response.json<Record<string, unknown>>();
    assert.equal(body.createdAt, metadata.created_at);
    assert.deepEqual(body.primaryMetric, {
      name: metadata.primary_metric.name,
      value: metadata.primary_metric.value,
    });
    assert.deepEqual(body.explainBaseline, metadata.explain_baseline);
    const numeric = Object.entries(metadata.metrics).filter(([, v]) => typeof v === "number");
    assert.deepEqual(body.metrics, Object.fromEntries(numeric));
    assert.ok("confusion_matrix" in metadata.metrics, "a non-number metric is left out");
  });

  it("labels each field for people: the metadata's display_name, else its name made readable", async () => {
    const response = await t.app.inject({ method: "GET", url: "/v1/models/lead-scoring" });
    const { fields } = response.json<{ fields: { name: string; displayName: string }[] }>();
    // The built-in version's own labels (its source columns), else the fallback (1.0.0 predates
    // display_name).
    const { schema } = JSON.parse(
      readFileSync(path.join(builtInVersionDir(), "metadata.json"), "utf8"),
    ) as { schema: { fields: { name: string; display_name?: string }[] } };
    const byName = new Map(fields.map((field) => [field.name, field.displayName]));
    for (const field of schema.fields) {
      assert.equal(byName.get(field.name), field.display_name ?? readableFieldName(field.name));
    }
    assert.equal(readableFieldName("total_time_spent_on_website"), "Total time spent on website");
    assert.equal(readableFieldName("x.y-z__w"), "X y z w");

    const labelled = await fakeModel("1.0.0", {
      name: "other-model",
      schema: OTHER_SCHEMA,
      labels: { minutes: { display_name: "Minutes on the phone", description: "Call length" } },
    });
    const other = await buildTestApp({ model: labelled.model });
    try {
      const answer = await other.app.inject({ method: "GET", url: "/v1/models/other-model" });
      const described = answer.json<{ fields: Record<string, unknown>[] }>().fields;
      assert.deepEqual(
        described.map(({ name, displayName, description }) => ({ name, displayName, description })),
        [
          { name: "minutes", displayName: "Minutes on the phone", description: "Call length" },
          { name: "channel", displayName: "Channel", description: undefined },
        ],
      );
    } finally {
      await other.app.close();
    }
  });

  it("404 for a model it does not serve", async () => {
    const response = await t.app.inject({ method: "GET", url: "/v1/models/churn" });
    assert.equal(response.statusCode, 404);
    assert.match(response.json<{ error: string }>().error, /model "churn" is not served here/);
  });

  it("predicts at /v1/models/<name>:predict (literal colon route)", async () => {
    const rows = golden.rows.slice(0, 50);
    const response = await t.app.inject({
      method: "POST",
      url: "/v1/models/lead-scoring:predict",
      payload: { instances: rows.map((row) => row.instance) },
    });
    assert.equal(response.statusCode, 200, response.body);
    const { predictions, modelVersion } = response.json<{
      predictions: number[];
      modelVersion: string;
    }>();
    assert.equal(modelVersion, golden.model_version);
    rows.forEach((row, i) => assert.ok(Math.abs(predictions[i]! - row.prediction) <= 1e-5));
  });

  it("404 when predicting with another model's name", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/v1/models/churn:predict",
      payload: { instances: [golden.rows[0]!.instance] },
    });
    assert.equal(response.statusCode, 404);
  });

  it("400 names the instance and field", async () => {
    const response = await t.app.inject({
      method: "POST",
      url: "/v1/models/lead-scoring:predict",
      payload: { instances: [{ total_visits: true }] },
    });
    assert.equal(response.statusCode, 400);
    assert.match(
      response.json<{ error: string }>().error,
      /instance 0, field "total_visits": expected a number or null, got boolean true/,
    );
  });
});
