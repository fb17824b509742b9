import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadPinnedModel } from "../../src/lifecycle/pinned-source.js";
import type { Golden } from "../../src/model/golden.js";
import { builtInGolden, buildTestApp, type TestApp } from "../support/app.js";
import { calibratedCopy } from "../support/calibrated-version.js";

interface Attribution {
  baselineOutputValue: number;
  instanceOutputValue: number;
  featureAttributions: Record<string, number>;
  outputDisplayName: string;
  approximationError: number | null;
  outputName: string;
}
interface ExplainBody {
  predictions: (number | { probability: number; label: number })[];
  explanations: { attributions: Attribution[] }[];
  model: string;
  modelVersion: string;
  method: string;
  space: string;
}
interface ErrorBody {
  error: string;
  code: string;
}

describe("POST /explain and /v1/models/<name>:explain", () => {
  let t: TestApp;
  const golden = builtInGolden();
  const rows = golden.rows.slice(0, 10);
  const instances = rows.map((row) => row.instance);
  const first = instances[0]!;
  let fieldNames: readonly string[];

  before(async () => {
    t = await buildTestApp();
    fieldNames = t.dataPlane.model().fields.map((field) => field.name);
    assert.equal(fieldNames.length, 25, "the default model's raw input fields");
  });
  after(() => t.app.close());

  const explain = (payload: unknown, url = "/explain") =>
    t.app.inject({ method: "POST", url, payload: payload as object });

  const checkShape = (body: ExplainBody, count: number): void => {
    assert.equal(body.predictions.length, count);
    assert.equal(body.explanations.length, count);
    assert.equal(body.model, "lead-scoring");
    assert.equal(body.space, "log_odds");
    for (const explanation of body.explanations) {
      assert.equal(explanation.attributions.length, 1);
      const attribution = explanation.attributions[0]!;
      assert.deepEqual(Object.keys(attribution).sort(), [
        "approximationError",
        "baselineOutputValue",
        "featureAttributions",
        "instanceOutputValue",
        "outputDisplayName",
        "outputName",
      ]);
      assert.equal(attribution.outputName, "log_odds");
      assert.equal(attribution.outputDisplayName, "log-odds of conversion");
      assert.deepEqual(Object.keys(attribution.featureAttributions).sort(), [...fieldNames].sort());
      const total = Object.values(attribution.featureAttributions).reduce((a, b) => a + b, 0);
      assert.ok(
        Math.abs(total + attribution.baselineOutputValue - attribution.instanceOutputValue) < 1e-6,
        `Σ ${total} + ${attribution.baselineOutputValue} vs ${attribution.instanceOutputValue}`,
      );
    }
  };

  for (const url of ["/explain", "/v1/models/lead-scoring:explain"]) {
    it(`${url}: TreeSHAP by default, per raw field, in log-odds, with the predictions`, async () => {
      const response = await explain({ instances }, url);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json<ExplainBody>();
      checkShape(body, rows.length);
      assert.equal(body.method, "tree_shap");
      rows.forEach((row, i) => {
        assert.ok(Math.abs((body.predictions[i] as number) - row.prediction) <= 1e-5);
        const attribution = body.explanations[i]!.attributions[0]!;
        // Exact: the margin XGBoost computes, measured from the expected value.
        assert.ok(Math.abs(attribution.instanceOutputValue - row.margin) <= 1e-5);
        assert.ok(Math.abs(attribution.baselineOutputValue - row.contributions.at(-1)!) <= 1e-5);
        // Rounding only: the leaf tables hold float32 values (leaf-tables.ts), ~1e-8 per lead.
        assert.ok(attribution.approximationError! < 1e-6);
      });
    });
  }

  it("sums one-hot columns into their raw field (the per-column values are XGBoost's)", async () => {
    const body = (await explain({ instances: [first] })).json<ExplainBody>();
    const columns = golden.columns;
    const contributions = rows[0]!.contributions;
    const field = "lead_origin";
    const expected = columns.reduce(
      (sum, name, c) => (name.startsWith(`${field}=`) ? sum + contributions[c]! : sum),
      0,
    );
    const got = body.explanations[0]!.attributions[0]!.featureAttributions[field]!;
    assert.ok(Math.abs(got - expected) <= 1e-5, `${got} vs ${expected}`);
  });

  it("sampled Shapley on request, with labels at a threshold like /predict", async () => {
    const response = await explain({
      instances: instances.slice(0, 3),
      parameters: { method: "sampled_shapley", path_count: 5, seed: 3, threshold: 0.5 },
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<ExplainBody>();
    checkShape(body, 3);
    assert.equal(body.method, "sampled_shapley");
    body.predictions.forEach((prediction, i) => {
      const { probability, label } = prediction as { probability: number; label: number };
      assert.ok(Math.abs(probability - rows[i]!.prediction) <= 1e-5);
      assert.equal(label, probability >= 0.5 ? 1 : 0);
    });
    assert.ok(body.explanations.every((e) => (e.attributions[0]!.approximationError ?? -1) >= 0));
  });

  const rejects = async (payload: unknown, status: number, pattern: RegExp, url = "/explain") => {
    const response = await explain(payload, url);
    assert.equal(response.statusCode, status, response.body);
    assert.match(response.json<ErrorBody>().error, pattern);
  };

  it("400 names the instance and field of a wrong type, like /predict", () =>
    rejects(
      { instances: [first, { ...first, total_visits: "five" }] },
      400,
      /instance 1, field "total_visits": expected a number or null, got string "five"/,
    ));

  it("400 for an unknown field", () =>
    rejects({ instances: [{ ...first, shoe_size: 42 }] }, 400, /field "shoe_size": unknown field/));

  it("400 for empty instances", () =>
    rejects({ instances: [] }, 400, /body\.instances: must NOT have fewer than 1 items/));

  for (const pathCount of [0, 51]) {
    it(`400 for path_count ${pathCount}`, () =>
      rejects(
        { instances: [first], parameters: { method: "sampled_shapley", path_count: pathCount } },
        400,
        /parameters\.path_count: must be [<>]=/,
      ));
  }

  it("400 for an unknown method", () =>
    rejects(
      { instances: [first], parameters: { method: "lime" } },
      400,
      /parameters\.method: must be equal to one of the allowed values/,
    ));

  it("400 for path_count with TreeSHAP (it would be silently meaningless)", () =>
    rejects(
      { instances: [first], parameters: { path_count: 10 } },
      400,
      /path_count and seed apply to method "sampled_shapley" only/,
    ));

  it("400 for a request whose sampled rows exceed one run's budget", () =>
    rejects(
      {
        instances: Array.from({ length: 100 }, () => first),
        parameters: { method: "sampled_shapley", path_count: 50 },
      },
      400,
      /would score 120100 rows/,
    ));

  it("404 for another model's name", () =>
    rejects(
      { instances: [first] },
      404,
      /model "churn" is not served here/,
      "/v1/models/churn:explain",
    ));

  it("records the explain duration by method", async () => {
    await explain({ instances: [first] });
    await explain({ instances: [first], parameters: { method: "sampled_shapley", path_count: 2 } });
    const metrics = await t.metrics.registry.getSingleMetricAsString(
      "lead_scoring_explain_duration_seconds",
    );
    assert.match(
      metrics,
      /lead_scoring_explain_duration_seconds_count\{[^}]*method="tree_shap"[^}]*\} [1-9]/,
    );
    assert.match(
      metrics,
      /lead_scoring_explain_duration_seconds_count\{[^}]*method="sampled_shapley"[^}]*\} [1-9]/,
    );
  });

  it("documents both routes in OpenAPI", async () => {
    const document = (await t.app.inject({ method: "GET", url: "/openapi.json" })).json<{
      paths: Record<string, unknown>;
    }>();
    assert.ok("/explain" in document.paths);
    assert.ok("/v1/models/{name}:explain" in document.paths);
  });
});

describe("explaining a calibrated version", () => {
  let t: TestApp;
  let root: string;
  let golden: Golden;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-explain-calibrated-"));
    const dir = await calibratedCopy(path.join(root, "calibrated"));
    golden = JSON.parse(await readFile(path.join(dir, "golden.json"), "utf8")) as Golden;
    t = await buildTestApp({ model: await loadPinnedModel(dir, { threads: 1 }) });
  });
  after(async () => {
    await t.app.close();
    await rm(root, { recursive: true, force: true });
  });

  for (const url of ["/explain", "/v1/models/lead-scoring:explain"]) {
    it(`${url}: calibrated predictions, attributions of the margin, and it says so`, async () => {
      const rows = golden.rows.slice(0, 5);
      const response = await t.app.inject({
        method: "POST",
        url,
        payload: { instances: rows.map((row) => row.instance) },
      });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json<ExplainBody>();
      assert.equal(body.space, "log_odds");
      rows.forEach((row, i) => {
        assert.ok(Math.abs((body.predictions[i] as number) - row.prediction) <= golden.tolerance);
        const attribution = body.explanations[i]!.attributions[0]!;
        assert.equal(attribution.outputName, "log_odds");
        assert.match(attribution.outputDisplayName, /before calibration/);
        assert.ok(Math.abs(attribution.instanceOutputValue - row.margin) <= 1e-5);
      });
    });
  }
});
