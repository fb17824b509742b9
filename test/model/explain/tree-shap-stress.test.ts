import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it, mock } from "node:test";
import { LeafTables } from "../../../src/model/explain/leaf-tables.js";
import { mulberry32 } from "../../../src/model/explain/prng.js";
import { TreeShap } from "../../../src/model/explain/tree-shap.js";
import { parseXGBoostJson } from "../../../src/model/explain/xgboost-json.js";
import { PACKAGE_ROOT } from "../../../src/package-root.js";
import { builtInGolden, builtInModel, builtInVersionDir } from "../../support/app.js";

/**
 * TreeSHAP beyond the golden leads: XGBoost's pred_contribs on rows with missing values, values on
 * and one float32 step around split thresholds, and values across each column's range, for the
 * built-in model and for a model trained with missing values, whose splits send them left as well
 * as right (test/fixtures/tree-shap-stress.json, written by
 * pipeline/tests/test_tree_shap_fixture.py); additivity on random rows; and the leaf tables being
 * built once, at load.
 */
const TOLERANCE = 1e-5;
const model = parseXGBoostJson(
  readFileSync(path.join(builtInVersionDir(), "xgboost.json")),
  "xgboost.json",
);
const width = model.numFeature;

interface StressRow {
  features: (number | null)[];
  contributions: number[];
  margin: number;
}
interface StressFixture {
  builtIn: { rows: StressRow[] };
  missingValues: { model: unknown; rows: StressRow[] };
}
const fixture = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, "test", "fixtures", "tree-shap-stress.json"), "utf8"),
) as StressFixture;
const cases = [
  { name: "built-in model", model, rows: fixture.builtIn.rows },
  {
    name: "model trained with missing values",
    model: parseXGBoostJson(Buffer.from(JSON.stringify(fixture.missingValues.model)), "fixture"),
    rows: fixture.missingValues.rows,
  },
];

/** Rows of random values around the golden rows' ranges, a fifth of them missing. */
function randomRows(count: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const golden = builtInGolden().rows;
  const rows = new Float32Array(count * width);
  for (let i = 0; i < rows.length; i++) {
    const draw = random();
    const like = golden[Math.floor(random() * golden.length)]!.features[i % width]!;
    rows[i] = draw < 0.2 ? Number.NaN : like * (0.5 + 2 * random()) + (draw < 0.5 ? 1 : 0);
  }
  return rows;
}

const sum = (values: Float64Array, from: number, to: number): number => {
  let total = 0;
  for (let i = from; i < to; i++) total += values[i]!;
  return total;
};

for (const { name: modelName, model: stressModel, rows } of cases) {
  describe(`TreeSHAP on stress rows of the ${modelName}`, () => {
    const columns = stressModel.numFeature;
    const batch = Float32Array.from(
      rows.flatMap((row) => row.features.map((value) => value ?? Number.NaN)),
    );

    it("the rows have missing values and all differ", () => {
      assert.ok(batch.some((value) => Number.isNaN(value)));
      assert.equal(new Set(rows.map((row) => row.contributions.join())).size, rows.length);
    });

    for (const [name, tableBudget] of [
      ["leaf tables", undefined],
      ["Algorithm 2 recursion", 0],
    ] as const) {
      it(`${name}: every column of every row equals pred_contribs within 1e-5`, () => {
        const shap = new TreeShap(stressModel, { tableBudget });
        assert.equal(shap.tabulated, tableBudget === undefined);
        const out = new Float64Array(columns + 1);
        rows.forEach((row, r) => {
          shap.contributions(batch, r * columns, out);
          assert.equal(row.contributions.length, out.length);
          row.contributions.forEach((expected, c) => {
            assert.ok(
              Math.abs(out[c]! - expected) <= TOLERANCE,
              `row ${r}, column ${c}: ${out[c]} vs pred_contribs ${expected}`,
            );
          });
          const margin = shap.margin(batch, r * columns);
          assert.ok(Math.abs(margin - row.margin) <= TOLERANCE, `row ${r}: margin ${margin}`);
        });
      });
    }

    it("a batch gives each row exactly what a single call gives it", () => {
      const shap = new TreeShap(stressModel);
      const stride = columns + 1;
      const out = new Float64Array(rows.length * stride).fill(Number.NaN);
      shap.contributionsBatch(batch, rows.length, out);
      const single = new Float64Array(stride);
      for (let r = 0; r < rows.length; r++) {
        shap.contributions(batch, r * columns, single);
        assert.deepEqual(out.subarray(r * stride, (r + 1) * stride), single, `row ${r}`);
      }
    });
  });
}

describe("TreeSHAP additivity on random rows", () => {
  const rows = 300;
  const features = randomRows(rows, 15);

  it("Σ contributions + bias = the trees' margin, and tables agree with the recursion", () => {
    const tables = new TreeShap(model);
    const recursion = new TreeShap(model, { tableBudget: 0 });
    const stride = width + 1;
    const out = new Float64Array(rows * stride);
    const exact = new Float64Array(stride);
    tables.contributionsBatch(features, rows, out);
    for (let r = 0; r < rows; r++) {
      const margin = tables.margin(features, r * width);
      const total = sum(out, r * stride, (r + 1) * stride);
      // Rounding only: the tables hold float32 values; Algorithm 2 in doubles is exact to ~1e-15.
      assert.ok(Math.abs(total - margin) <= 1e-6, `row ${r}: Σ ${total} vs margin ${margin}`);
      recursion.contributions(features, r * width, exact);
      assert.ok(Math.abs(sum(exact, 0, stride) - margin) <= 1e-9, `row ${r}: recursion Σ`);
      exact.forEach((value, c) => {
        assert.ok(Math.abs(out[r * stride + c]! - value) <= 1e-6, `row ${r}, column ${c}`);
      });
    }
  });
});

describe("TreeSHAP precomputation", () => {
  it("builds the leaf tables once, when the model loads, never per request", async () => {
    const build = mock.method(LeafTables, "build");
    try {
      const loaded = await builtInModel();
      try {
        assert.equal(build.mock.callCount(), 1);
        assert.ok(loaded.explainer.tree.tabulated);
        const leads = builtInGolden()
          .rows.slice(0, 20)
          .map((row) => row.instance);
        for (const count of [1, 20, 1]) {
          const explained = await loaded.explain(leads.slice(0, count), {
            method: "tree_shap",
            pathCount: 0,
            seed: 0,
          });
          assert.equal(explained.instances.length, count);
        }
        assert.equal(build.mock.callCount(), 1);
      } finally {
        await loaded.release();
      }
    } finally {
      build.mock.restore();
    }
  });
});
