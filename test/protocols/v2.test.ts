import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { modelMetadata } from "../../src/protocols/v2/adapter.js";
import { builtInGolden, buildTestApp, type TestApp } from "../support/app.js";

interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: { name: string; shape: number[]; datatype: string; data: number[] }[];
}
interface Field {
  name: string;
  datatype: string;
}

describe("Open Inference Protocol (V2)", () => {
  let t: TestApp;
  const golden = builtInGolden();
  const rows = golden.rows.slice(0, 40);
  let fields: Field[] = [];

  before(async () => {
    t = await buildTestApp();
    fields = (await t.app.inject({ method: "GET", url: "/v2/models/lead-scoring" })).json<{
      inputs: Field[];
    }>().inputs;
  });
  after(() => t.app.close());

  const infer = (payload: object, url = "/v2/models/lead-scoring/infer") =>
    t.app.inject({ method: "POST", url, payload });

  /** One input per raw field, as Seldon MLServer encodes a DataFrame. */
  const tabular = () =>
    fields.map((field) => ({
      name: field.name,
      datatype: field.datatype,
      shape: [rows.length],
      data: rows.map((row) => {
        const value = row.instance[field.name];
        return value === undefined || value === null
          ? field.datatype === "BYTES"
            ? ""
            : null
          : value;
      }),
    }));

  it("answers health, server metadata and model readiness", async () => {
    for (const url of ["/v2/health/live", "/v2/health/ready", "/v2/models/lead-scoring/ready"]) {
      const response = await t.app.inject({ method: "GET", url });
      assert.equal(response.statusCode, 200, url);
    }
    const server = (await t.app.inject({ method: "GET", url: "/v2" })).json<{ name: string }>();
    assert.equal(server.name, "lead-scoring");
  });

  it("derives model metadata inputs from the preprocessor's raw fields", async () => {
    const metadata = (await t.app.inject({ method: "GET", url: "/v2/models/lead-scoring" })).json<{
      platform: string;
      versions: string[];
      inputs: (Field & { shape: number[] })[];
    }>();
    // The default model serves with the compiled trees (SCORER=auto); ONNX says onnx_onnxv1.
    assert.equal(metadata.platform, "xgboost_json");
    const served = t.dataPlane.servedModel();
    assert.ok(served !== undefined);
    assert.equal(modelMetadata({ ...served, scorer: "onnx" }).platform, "onnx_onnxv1");
    assert.deepEqual(metadata.versions, [golden.model_version]);
    const byName = new Map(metadata.inputs.map((input) => [input.name, input]));
    assert.equal(byName.get("total_visits")?.datatype, "FP64");
    assert.equal(byName.get("lead_origin")?.datatype, "BYTES");
    assert.deepEqual(byName.get("lead_origin")?.shape, [-1]);
  });

  it("infers from tabular inputs and echoes the id", async () => {
    const response = await infer({
      id: "req-42",
      parameters: { content_type: "pd" },
      inputs: tabular(),
    });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json<InferResponse>();
    assert.equal(body.id, "req-42");
    assert.equal(body.model_version, golden.model_version);
    const [output] = body.outputs;
    assert.equal(output?.name, "probability");
    assert.deepEqual(output?.shape, [rows.length]);
    rows.forEach((row, i) =>
      assert.ok(Math.abs(output.data[i]! - row.prediction) <= 1e-5, `row ${i}`),
    );
  });

  it("infers from a preprocessed FP32 tensor, also under /versions/<v>", async () => {
    const width = golden.columns.length;
    const response = await infer(
      {
        inputs: [
          {
            name: "input",
            datatype: "FP32",
            shape: [rows.length, width],
            data: rows.map((r) => r.features),
          },
        ],
        outputs: [{ name: "probability" }, { name: "label" }],
      },
      `/v2/models/lead-scoring/versions/${golden.model_version}/infer`,
    );
    assert.equal(response.statusCode, 200, response.body);
    const [probability, label] = response.json<InferResponse>().outputs;
    rows.forEach((row, i) => {
      assert.ok(Math.abs(probability!.data[i]! - row.prediction) <= 1e-5);
      assert.equal(label!.data[i], probability!.data[i]! >= 0.5 ? 1 : 0);
    });
  });

  it("errors as {error} naming the input", async () => {
    const cases: [object, number, RegExp][] = [
      [
        { inputs: [{ name: "shoe_size", datatype: "FP64", shape: [1], data: [42] }] },
        400,
        /input "shoe_size" is not a field/,
      ],
      [
        { inputs: [{ name: "lead_origin", datatype: "FP64", shape: [1], data: [1] }] },
        400,
        /input "lead_origin": expected BYTES/,
      ],
      [
        { inputs: [{ name: "total_visits", datatype: "FP64", shape: [2], data: [1] }] },
        400,
        /needs 2 elements, data has 1/,
      ],
      [
        { inputs: [{ name: "input", datatype: "FP32", shape: [1, 3], data: [1, 2, 3] }] },
        400,
        /expected FP32 of shape \[rows, \d+\]/,
      ],
      [{ inputs: [] }, 400, /body\.inputs: must NOT have fewer than 1 items/],
    ];
    for (const [payload, status, pattern] of cases) {
      const response = await infer(payload);
      assert.equal(response.statusCode, status, response.body);
      assert.match(response.json<{ error: string }>().error, pattern);
    }
    const wrongVersion = await t.app.inject({
      method: "GET",
      url: "/v2/models/lead-scoring/versions/9.9.9",
    });
    assert.equal(wrongVersion.statusCode, 404);
  });
});
