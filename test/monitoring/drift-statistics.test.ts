import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { numericBin } from "../../src/monitoring/drift/bins.js";
import {
  PSI_EPSILON,
  jensenShannon,
  lInfinity,
  psi,
} from "../../src/monitoring/drift/statistics.js";
import { PACKAGE_ROOT } from "../../src/package-root.js";

/** Written by pipeline/tests/test_drift_fixture.py with scipy and numpy. */
const fixture = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, "test", "fixtures", "drift-statistics.json"), "utf8"),
) as {
  psi_epsilon: number;
  pairs: {
    name: string;
    live: number[];
    baseline: number[];
    jensen_shannon: number;
    l_infinity: number;
    psi: number;
  }[];
  bins: { edges: number[]; values: number[]; bins: number[] }[];
};

function close(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs scipy ${expected}`,
  );
}

describe("drift statistics equal scipy's on the same bins", () => {
  it("uses the fixture's PSI epsilon", () => {
    assert.equal(PSI_EPSILON, fixture.psi_epsilon);
  });

  for (const pair of fixture.pairs) {
    it(`${pair.name}: Jensen–Shannon (base 2), L-infinity, PSI`, () => {
      close(jensenShannon(pair.live, pair.baseline), pair.jensen_shannon, "jensen_shannon");
      close(lInfinity(pair.live, pair.baseline), pair.l_infinity, "l_infinity");
      close(psi(pair.live, pair.baseline), pair.psi, "psi");
    });
  }

  it("has no distribution to compare for an empty window", () => {
    assert.ok(Number.isNaN(jensenShannon([0, 0], [0.5, 0.5])));
    assert.ok(Number.isNaN(lInfinity([0, 0], [0.5, 0.5])));
    assert.ok(Number.isNaN(psi([0, 0], [0.5, 0.5])));
    assert.throws(() => psi([1], [0.5, 0.5]), RangeError);
  });
});

describe("numeric bins follow numpy.histogram (pipeline/baselines.py)", () => {
  for (const { edges, values, bins } of fixture.bins) {
    it(`edges ${edges.join(", ")}: ends, boundaries and out-of-range values`, () => {
      const table = Float64Array.from(edges);
      assert.deepEqual(
        values.map((value) => numericBin(table, value)),
        bins,
      );
    });
  }
});
