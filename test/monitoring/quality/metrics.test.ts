import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { calibrationTable } from "../../../src/monitoring/quality/calibration.js";
import { qualityMetrics, rocCurve, type Pairs } from "../../../src/monitoring/quality/metrics.js";
import { QUALITY_METRICS } from "../../../src/monitoring/quality/latest.js";
import { PACKAGE_ROOT } from "../../../src/package-root.js";

/** Written by pipeline/tests/test_quality_fixture.py with scikit-learn. */
interface Case {
  name: string;
  scores: number[];
  labels: number[];
  threshold: number;
  population_roc_auc: number | null;
  calibration: { observed_rate: number[]; mean_predicted: number[] };
  [metric: string]: unknown;
}
const fixture = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, "test", "fixtures", "quality-metrics.json"), "utf8"),
) as { cases: Case[] };

const pairsOf = (c: Case): Pairs => ({
  scores: Float64Array.from(c.scores),
  labels: Uint8Array.from(c.labels),
});

/** 1e-9 for ROC-AUC (the brief's bound), 1e-12 relative for the rest. */
function close(actual: number | null, expected: number | null, what: string, tolerance = 1e-12) {
  if (expected === null) {
    assert.equal(actual, null, `${what}: undefined in sklearn's terms, so null`);
    return;
  }
  assert.ok(actual !== null, `${what}: null, sklearn says ${expected}`);
  const error = Math.abs(actual - expected);
  assert.ok(
    error <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs sklearn ${expected} (off by ${error})`,
  );
}

describe("quality metrics against scikit-learn (test/fixtures/quality-metrics.json)", () => {
  it("covers ties, one class only, tiny and large generated sets", () => {
    const names = fixture.cases.map((c) => c.name);
    for (const name of ["ties", "only converted", "none converted", "one pair"]) {
      assert.ok(names.includes(name), name);
    }
    assert.ok(fixture.cases.some((c) => c.scores.length >= 2000 && c.population_roc_auc !== null));
  });

  for (const c of fixture.cases) {
    it(`matches sklearn on "${c.name}" (${c.scores.length} pairs)`, () => {
      const figures = qualityMetrics(pairsOf(c), c.threshold);
      for (const metric of QUALITY_METRICS) {
        const figure = figures[metric];
        close(
          figure.value,
          c[metric] as number | null,
          metric,
          metric === "roc_auc" ? 1e-9 : 1e-12,
        );
        assert.equal(figure.value === null, figure.reason !== undefined, `${metric} says why null`);
      }
    });

    it(`bins "${c.name}" as calibration_curve(strategy="quantile") does`, () => {
      const table = calibrationTable(pairsOf(c));
      assert.equal(table.length, c.calibration.observed_rate.length);
      table.forEach((bin, i) => {
        close(bin.observed_rate, c.calibration.observed_rate[i]!, `bin ${i} observed`);
        close(bin.mean_predicted, c.calibration.mean_predicted[i]!, `bin ${i} predicted`);
      });
      assert.equal(
        table.reduce((sum, bin) => sum + bin.count, 0),
        c.scores.length,
        "every pair in one bin",
      );
    });
  }

  it("reports an empty set as null with a reason, never NaN", () => {
    const figures = qualityMetrics({ scores: new Float64Array(0), labels: new Uint8Array(0) }, 0.5);
    for (const metric of QUALITY_METRICS) {
      assert.equal(figures[metric].value, null, metric);
      assert.ok(figures[metric].reason, metric);
    }
    assert.deepEqual(
      calibrationTable({ scores: new Float64Array(0), labels: new Uint8Array(0) }),
      [],
    );
  });

  it("draws the ROC curve from (0, 0) to (1, 1), one point per distinct score", () => {
    const curve = rocCurve(pairsOf(fixture.cases.find((c) => c.name === "ties")!))!;
    assert.deepEqual([curve.fpr[0], curve.tpr[0]], [0, 0]);
    assert.deepEqual([curve.fpr.at(-1), curve.tpr.at(-1)], [1, 1]);
    assert.equal(curve.fpr.length, 1 + 4, "scores 0.9, 0.5, 0.2, 0.1");
  });
});
