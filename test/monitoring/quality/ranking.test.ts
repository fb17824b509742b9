import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import type { Pairs } from "../../../src/monitoring/quality/metrics.js";
import {
  gainsCurve,
  rankingMetrics,
  RANKING_METRICS,
} from "../../../src/monitoring/quality/ranking.js";
import { PACKAGE_ROOT } from "../../../src/package-root.js";

/** Hand-computed; pipeline/tests/test_ranking.py checks pipeline/ranking.py against it too. */
interface Case {
  name: string;
  scores: number[];
  outcomes: number[];
  metrics: Record<string, number>;
  gains: [number, number][];
}
const fixture = JSON.parse(
  readFileSync(path.join(PACKAGE_ROOT, "test", "fixtures", "ranking.json"), "utf8"),
) as { cases: Case[] };

const pairsOf = (scores: number[], outcomes: number[]): Pairs => ({
  scores: Float64Array.from(scores),
  labels: Uint8Array.from(outcomes),
});

function close(actual: number | null | undefined, expected: number, what: string) {
  assert.ok(
    actual !== null && actual !== undefined && Math.abs(actual - expected) <= 1e-12,
    `${what}: ${actual} vs the hand computation ${expected}`,
  );
}

describe("lift, capture and precision at k % (test/fixtures/ranking.json)", () => {
  for (const c of fixture.cases) {
    it(`equal the hand computation on "${c.name}"`, () => {
      const figures = rankingMetrics(pairsOf(c.scores, c.outcomes));
      assert.deepEqual(Object.keys(c.metrics).sort(), [...RANKING_METRICS].sort());
      for (const metric of RANKING_METRICS)
        close(figures[metric].value, c.metrics[metric]!, metric);
    });

    it(`draw the hand-computed gains curve on "${c.name}"`, () => {
      const curve = gainsCurve(pairsOf(c.scores, c.outcomes))!;
      assert.equal(curve.fraction_of_leads.length, 51);
      for (const [fraction, capture] of c.gains) {
        const at = curve.fraction_of_leads.findIndex((x) => Math.abs(x - fraction) < 1e-12);
        assert.ok(at >= 0, `${fraction} is a point of the curve`);
        close(curve.capture[at], capture, `capture at ${fraction}`);
      }
    });
  }

  it("do not depend on row order (ties count at their group's rate)", () => {
    const { scores, outcomes } = fixture.cases[0]!;
    const order = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4];
    const shuffled = pairsOf(
      order.map((i) => scores[i]!),
      order.map((i) => outcomes[i]!),
    );
    assert.deepEqual(rankingMetrics(shuffled), rankingMetrics(pairsOf(scores, outcomes)));
    assert.deepEqual(gainsCurve(shuffled), gainsCurve(pairsOf(scores, outcomes)));
  });

  it("are null with the reason, never NaN, when no joined lead converted", () => {
    for (const pairs of [pairsOf([], []), pairsOf([0.2, 0.9], [0, 0])]) {
      const figures = rankingMetrics(pairs);
      for (const metric of RANKING_METRICS) {
        assert.equal(figures[metric].value, null);
        assert.match(figures[metric].reason!, /no joined outcome|no converted lead/);
      }
      assert.equal(gainsCurve(pairs), undefined);
    }
  });
});
