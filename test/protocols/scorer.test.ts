import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BUILT_IN_MODEL_URI } from "../../src/config.js";
import { loadPinnedModel } from "../../src/lifecycle/pinned-source.js";
import type { ScorerKind } from "../../src/model/scorer.js";
import { builtInGolden, buildTestApp, type TestApp } from "../support/app.js";

/**
 * Which runtime served is visible where an operator or a client looks for the model (GET
 * /v1/models/{name}, V2 model metadata, lead_scoring_model_info), never in a predict body; and
 * both runtimes answer every protocol the same, the V2 FP32 tensor included.
 */
for (const kind of ["trees", "onnx"] as const satisfies readonly ScorerKind[]) {
  describe(`served with SCORER=${kind}`, () => {
    let t: TestApp;
    const golden = builtInGolden();
    const rows = golden.rows.slice(0, 20);

    before(async () => {
      const model = await loadPinnedModel(BUILT_IN_MODEL_URI, { threads: 1, scorer: kind });
      t = await buildTestApp({ model, env: { METRICS_PORT: "0", SCORER: kind } });
    });
    after(() => t.app.close());

    it("says so in GET /v1/models/{name}, the V2 metadata and model_info", async () => {
      const v1 = await t.app.inject({ method: "GET", url: "/v1/models/lead-scoring" });
      assert.equal(v1.json<{ scorer: string }>().scorer, kind);
      const v2 = await t.app.inject({ method: "GET", url: "/v2/models/lead-scoring" });
      assert.equal(v2.json<{ parameters: { scorer: string } }>().parameters.scorer, kind);
      const metrics = (await t.app.inject({ method: "GET", url: "/metrics" })).body;
      assert.match(metrics, new RegExp(`lead_scoring_model_info\\{[^}]*scorer="${kind}"\\} 1`));
    });

    it("keeps the Vertex /predict body as it was", async () => {
      const response = await t.app.inject({
        method: "POST",
        url: "/predict",
        payload: { instances: rows.map((row) => row.instance) },
      });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json<{ predictions: number[] }>();
      assert.deepEqual(Object.keys(body).sort(), ["model", "modelVersion", "predictions"]);
      rows.forEach((row, i) => {
        assert.ok(Math.abs(body.predictions[i]! - row.prediction) <= golden.tolerance, `row ${i}`);
      });
    });

    it("scores the V2 FP32 tensor of preprocessed features", async () => {
      const response = await t.app.inject({
        method: "POST",
        url: "/v2/models/lead-scoring/infer",
        payload: {
          inputs: [
            {
              name: "input",
              datatype: "FP32",
              shape: [rows.length, golden.columns.length],
              data: rows.map((row) => row.features),
            },
          ],
        },
      });
      assert.equal(response.statusCode, 200, response.body);
      const [output] = response.json<{ outputs: { data: number[] }[] }>().outputs;
      rows.forEach((row, i) => {
        assert.ok(Math.abs(output!.data[i]! - row.prediction) <= golden.tolerance, `row ${i}`);
      });
    });
  });
}
