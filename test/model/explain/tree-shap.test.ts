import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { ArtifactError } from "../../../src/errors.js";
import { TreeShap } from "../../../src/model/explain/tree-shap.js";
import { parseBaseScore, parseXGBoostJson } from "../../../src/model/explain/xgboost-json.js";
import { builtInGolden, builtInVersionDir } from "../../support/app.js";

const TOLERANCE = 1e-5;
const xgboostBytes = readFileSync(path.join(builtInVersionDir(), "xgboost.json"));
const model = parseXGBoostJson(xgboostBytes, "xgboost.json");
const golden = builtInGolden();

describe("TreeSHAP against XGBoost's pred_contribs (golden.json)", () => {
  // Both strategies: precomputed leaf tables (the default) and Algorithm 2's recursion.
  for (const [name, tableBudget] of [
    ["leaf tables", undefined],
    ["Algorithm 2 recursion", 0],
  ] as const) {
    it(`${name}: every column of every golden row within 1e-5, Σ + bias = margin`, () => {
      const shap = new TreeShap(model, { tableBudget });
      assert.equal(shap.tabulated, tableBudget === undefined);
      assert.equal(shap.width, golden.columns.length);
      const out = new Float64Array(shap.width + 1);
      golden.rows.forEach((row, r) => {
        const features = Float32Array.from(row.features);
        shap.contributions(features, 0, out);
        assert.equal(row.contributions.length, out.length);
        row.contributions.forEach((expected, c) => {
          const got = out[c]!;
          assert.ok(
            Math.abs(got - expected) <= TOLERANCE,
            `row ${r}, column ${c} (${golden.columns[c] ?? "bias"}): ${got} vs ${expected}`,
          );
        });
        const total = out.reduce((sum, value) => sum + value, 0);
        assert.ok(
          Math.abs(total - row.margin) <= TOLERANCE,
          `row ${r}: Σ ${total} vs ${row.margin}`,
        );
        const margin = shap.margin(features, 0);
        assert.ok(Math.abs(margin - row.margin) <= TOLERANCE, `row ${r}: margin ${margin}`);
      });
    });
  }

  it("explains a row at any offset of a batch, and calls do not leak into each other", () => {
    const shap = new TreeShap(model);
    const rows = golden.rows.slice(0, 3);
    const batch = Float32Array.from(rows.flatMap((row) => row.features));
    const out = new Float64Array(shap.width + 1);
    for (const r of [2, 0, 1, 2]) {
      shap.contributions(batch, r * shap.width, out);
      assert.ok(Math.abs(out[0]! - rows[r]!.contributions[0]!) <= TOLERANCE);
      assert.equal(out[shap.width], shap.bias);
    }
  });

  it("sends a missing (NaN) value down the default branch, as XGBoost does", () => {
    const shap = new TreeShap(model);
    const features = Float32Array.from(golden.rows[0]!.features);
    features[0] = Number.NaN;
    const out = new Float64Array(shap.width + 1);
    shap.contributions(features, 0, out);
    const total = out.reduce((sum, value) => sum + value, 0);
    assert.ok(Number.isFinite(total));
    assert.ok(Math.abs(total - shap.margin(features, 0)) <= TOLERANCE);
  });
});

describe("xgboost.json parsing", () => {
  it("reads base_score written as a number or as a one-element vector", () => {
    assert.equal(parseBaseScore("[4.6E-1]", "x"), 0.46);
    assert.equal(parseBaseScore("4.6E-1", "x"), 0.46);
    assert.throws(() => parseBaseScore("[1,2]", "x"), ArtifactError);
    assert.throws(() => parseBaseScore("abc", "x"), ArtifactError);
  });

  it("base margin is logit(base_score) for binary:logistic", () => {
    const learner = (
      JSON.parse(xgboostBytes.toString()) as {
        learner: { learner_model_param: { base_score: string } };
      }
    ).learner;
    const p = parseBaseScore(learner.learner_model_param.base_score, "x");
    assert.equal(model.objective, "binary:logistic");
    assert.ok(Math.abs(model.baseMargin - Math.log(p / (1 - p))) < 1e-12);
  });

  interface TreeJson {
    left_children: number[];
    sum_hessian: number[];
    split_type: number[];
  }
  interface ModelJson {
    learner: { objective: { name: string }; gradient_booster?: { model: { trees: TreeJson[] } } };
  }
  const tree0 = (json: ModelJson): TreeJson => json.learner.gradient_booster!.model.trees[0]!;
  const mutated = (change: (json: ModelJson) => void): Buffer => {
    const json = JSON.parse(xgboostBytes.toString()) as ModelJson;
    change(json);
    return Buffer.from(JSON.stringify(json));
  };

  it("refuses inconsistent trees and unsupported models with an ArtifactError", () => {
    const cases: [string, (json: ModelJson) => void, RegExp][] = [
      ["child out of range", (j) => (tree0(j).left_children[0] = 9999), /children/],
      ["arrays of different lengths", (j) => tree0(j).sum_hessian.pop(), /lengths/],
      ["categorical split", (j) => (tree0(j).split_type[0] = 1), /categorical/],
      ["other objective", (j) => (j.learner.objective.name = "multi:softprob"), /objective/],
      ["not JSON of that shape", (j) => delete j.learner.gradient_booster, /does not match/],
    ];
    for (const [name, change, pattern] of cases) {
      assert.throws(
        () => parseXGBoostJson(mutated(change), "xgboost.json"),
        (error: unknown) => error instanceof ArtifactError && pattern.test(error.message),
        name,
      );
    }
  });

  it("refuses a cyclic tree", () => {
    const bytes = mutated((j) => (tree0(j).left_children[1] = 0));
    assert.throws(() => new TreeShap(parseXGBoostJson(bytes, "x")), ArtifactError);
  });
});
