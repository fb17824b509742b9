import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { loadPinnedModel } from "../../src/lifecycle/pinned-source.js";
import type { Golden } from "../../src/model/golden.js";
import { buildTestApp, recordScored, type TestApp } from "../support/app.js";
import { calibratedCopy } from "../support/calibrated-version.js";

/**
 * A calibrated version answers its calibrated probability on every protocol: the one place the
 * model's predictions come out is below them all (LoadedModel).
 */
describe("a calibrated version on every protocol", () => {
  let t: TestApp;
  let root: string;
  let golden: Golden;
  let rows: Golden["rows"];
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), "lead-scoring-calibrated-protocols-"));
    const dir = await calibratedCopy(path.join(root, "calibrated"));
    golden = JSON.parse(await readFile(path.join(dir, "golden.json"), "utf8")) as Golden;
    rows = golden.rows.slice(0, 20);
    t = await buildTestApp({ model: await loadPinnedModel(dir, { threads: 1 }) });
  });
  after(async () => {
    await t.app.close();
    await rm(root, { recursive: true, force: true });
  });

  const post = async (url: string, payload: object) => {
    const response = await t.app.inject({ method: "POST", url, payload });
    assert.equal(response.statusCode, 200, response.body);
    return response.json<Record<string, unknown>>();
  };
  const calibrated = (got: readonly unknown[]) =>
    rows.forEach((row, i) => {
      const value = got[i] as number;
      assert.ok(Math.abs(value - row.prediction) <= golden.tolerance, `row ${i}: ${value}`);
      assert.ok(Math.abs(value - row.raw_prediction!) > golden.tolerance, `row ${i} moved`);
    });
  const instances = () => rows.map((row) => row.instance);

  it("Vertex /predict and KServe V1 :predict", async () => {
    calibrated((await post("/predict", { instances: instances() })).predictions as unknown[]);
    const v1 = await post("/v1/models/lead-scoring:predict", { instances: instances() });
    calibrated(v1.predictions as unknown[]);
  });

  it("labels at a threshold are of the calibrated probability", async () => {
    const body = await post("/predict", { instances: instances(), parameters: { threshold: 0.5 } });
    const predictions = body.predictions as { probability: number; label: number }[];
    calibrated(predictions.map((p) => p.probability));
    predictions.forEach((p) => assert.equal(p.label, p.probability >= 0.5 ? 1 : 0));
  });

  it("V2 infer, from raw fields and from a preprocessed FP32 tensor", async () => {
    // One input per raw field with the datatype the model's V2 metadata gives it (v2.test.ts).
    const metadata = await t.app.inject({ method: "GET", url: "/v2/models/lead-scoring" });
    const fields = metadata.json<{ inputs: { name: string; datatype: string }[] }>().inputs;
    const inputs = fields.map(({ name, datatype }) => ({
      name,
      datatype,
      shape: [rows.length],
      data: rows.map((row) => row.instance[name] ?? (datatype === "BYTES" ? "" : null)),
    }));
    const tabular = await post("/v2/models/lead-scoring/infer", {
      parameters: { content_type: "pd" },
      inputs,
    });
    calibrated((tabular.outputs as { data: number[] }[])[0]!.data);
    const tensor = await post("/v2/models/lead-scoring/infer", {
      inputs: [
        {
          name: "input",
          datatype: "FP32",
          shape: [rows.length, golden.columns.length],
          data: rows.map((row) => row.features),
        },
      ],
    });
    calibrated((tensor.outputs as { data: number[] }[])[0]!.data);
  });

  it("partial batches, and what the observers (prediction log, drift) are handed", async () => {
    const seen = recordScored(t.metrics);
    const body = await post("/predict", { instances: instances(), parameters: { partial: true } });
    calibrated(body.predictions as unknown[]);
    assert.equal(seen.length, 1);
    calibrated([...seen[0]!.scores]);
  });
});
