import assert from "node:assert/strict";
import { test } from "node:test";
import { targetLines } from "../../bench/targets.js";

test("each target is PASS at its bound, MISS past it, SKIP when a figure is missing", () => {
  const lines = targetLines({
    ceiling1ReqS: 1000,
    predict1ReqS: 700, // exactly 70 % of the ceiling
    ceiling100RowsS: 1000,
    predict100RowsS: 499, // just under 50 %
    mlserver1ReqS: 70, // exactly 10×
    explain1ReqS: 350, // exactly 50 % of /predict
    predict1P99Ms: 3.5,
  });
  assert.deepEqual(lines, [
    "PASS /predict 1 lead, req/s vs the POST-body ceiling: 70 % (target ≥ 70 %)",
    "MISS /predict 100 leads, rows/s vs the POST-body ceiling: 49.9 % (target ≥ 50 %)",
    "PASS /predict 1 lead vs Seldon MLServer, req/s: 10× (target ≥ 10×)",
    "SKIP /predict 1 lead vs KServe, req/s: not measured in this run (target ≥ 10×)",
    "PASS /explain 1 lead (TreeSHAP) vs /predict 1 lead, req/s: 50 % (target ≥ 50 %)",
    "MISS /predict 1 lead, p99: 3.5 ms (target ≤ 3 ms)",
  ]);
});

test("the /explain ratio is to the /predict runs interleaved with it, when measured", () => {
  const lines = targetLines({
    predict1ReqS: 1000,
    explain1ReqS: 300,
    predictBesideExplain1ReqS: 600,
  });
  assert.ok(
    lines.includes(
      "PASS /explain 1 lead (TreeSHAP) vs /predict 1 lead, req/s: 50 % (target ≥ 50 %)",
    ),
    lines.join("\n"),
  );
});
